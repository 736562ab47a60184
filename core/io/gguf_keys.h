// GGUF metadata key names shared by the writer (quantize/synth) and
// ConfigFromGguf. The `gemma4.*` / `tokenizer.ggml.*` keys are llama.cpp's
// (spec formats 4.2/4.3); `edgemma.*` keys carry what llama.cpp has no key for.
// A file without edgemma.* keys still loads.
#ifndef EDGEMMA_CORE_IO_GGUF_KEYS_H_
#define EDGEMMA_CORE_IO_GGUF_KEYS_H_

namespace edgemma {

inline constexpr char kGgufArchitecture[] = "general.architecture";
inline constexpr char kGgufAlignment[] = "general.alignment";
inline constexpr char kGgufName[] = "general.name";
inline constexpr char kGgufFileType[] = "general.file_type";
inline constexpr char kGgufQuantVersion[] = "general.quantization_version";

inline constexpr char kGgufContextLength[] = "gemma4.context_length";
inline constexpr char kGgufEmbeddingLength[] = "gemma4.embedding_length";
inline constexpr char kGgufBlockCount[] = "gemma4.block_count";
inline constexpr char kGgufFeedForwardLength[] = "gemma4.feed_forward_length";
inline constexpr char kGgufHeadCount[] = "gemma4.attention.head_count";
inline constexpr char kGgufHeadCountKv[] = "gemma4.attention.head_count_kv";
inline constexpr char kGgufKeyLength[] = "gemma4.attention.key_length";
inline constexpr char kGgufValueLength[] = "gemma4.attention.value_length";
inline constexpr char kGgufKeyLengthSwa[] = "gemma4.attention.key_length_swa";
inline constexpr char kGgufValueLengthSwa[] =
    "gemma4.attention.value_length_swa";
inline constexpr char kGgufSlidingWindow[] = "gemma4.attention.sliding_window";
inline constexpr char kGgufSlidingPattern[] =
    "gemma4.attention.sliding_window_pattern";
inline constexpr char kGgufSharedKvLayers[] =
    "gemma4.attention.shared_kv_layers";
inline constexpr char kGgufRmsEps[] = "gemma4.attention.layer_norm_rms_epsilon";
inline constexpr char kGgufPleWidth[] =
    "gemma4.embedding_length_per_layer_input";
inline constexpr char kGgufRopeBase[] = "gemma4.rope.freq_base";
inline constexpr char kGgufRopeBaseSwa[] = "gemma4.rope.freq_base_swa";
inline constexpr char kGgufRopeDims[] = "gemma4.rope.dimension_count";
inline constexpr char kGgufRopeDimsSwa[] = "gemma4.rope.dimension_count_swa";
inline constexpr char kGgufFinalSoftcap[] = "gemma4.final_logit_softcapping";

inline constexpr char kGgufTokModel[] = "tokenizer.ggml.model";
inline constexpr char kGgufTokTokens[] = "tokenizer.ggml.tokens";
inline constexpr char kGgufTokScores[] = "tokenizer.ggml.scores";
inline constexpr char kGgufTokTypes[] = "tokenizer.ggml.token_type";
inline constexpr char kGgufTokMerges[] = "tokenizer.ggml.merges";
inline constexpr char kGgufTokBos[] = "tokenizer.ggml.bos_token_id";
inline constexpr char kGgufTokEos[] = "tokenizer.ggml.eos_token_id";
inline constexpr char kGgufTokEot[] = "tokenizer.ggml.eot_token_id";
inline constexpr char kGgufTokPad[] = "tokenizer.ggml.padding_token_id";
inline constexpr char kGgufTokAddBos[] = "tokenizer.ggml.add_bos_token";
inline constexpr char kGgufTokAddSpace[] = "tokenizer.ggml.add_space_prefix";
inline constexpr char kGgufChatTemplate[] = "tokenizer.chat_template";

inline constexpr char kEmVocab[] = "edgemma.vocab_size";
inline constexpr char kEmVocabPle[] = "edgemma.vocab_size_per_layer_input";
inline constexpr char kEmIntermediateSize[] = "edgemma.intermediate_size";
inline constexpr char kEmDoubleWide[] = "edgemma.use_double_wide_mlp";
inline constexpr char kEmKEqV[] = "edgemma.attention_k_eq_v";
inline constexpr char kEmGlobalKvHeads[] = "edgemma.num_global_key_value_heads";
inline constexpr char kEmRopeProportional[] = "edgemma.rope.full_proportional";
inline constexpr char kEmRopePartialFactor[] =
    "edgemma.rope.full_partial_rotary_factor";
inline constexpr char kEmActivation[] = "edgemma.hidden_activation";
inline constexpr char kEmDtype[] = "edgemma.dtype";
inline constexpr char kEmTieEmbeddings[] = "edgemma.tie_word_embeddings";
inline constexpr char kEmPadId[] = "edgemma.pad_token_id";
inline constexpr char kEmBosId[] = "edgemma.bos_token_id";
inline constexpr char kEmEosId[] = "edgemma.eos_token_id";
inline constexpr char kEmEosIds[] = "edgemma.eos_token_ids";
inline constexpr char kEmImageId[] = "edgemma.image_token_id";
inline constexpr char kEmVideoId[] = "edgemma.video_token_id";
inline constexpr char kEmAudioId[] = "edgemma.audio_token_id";
inline constexpr char kEmBoiId[] = "edgemma.boi_token_id";
inline constexpr char kEmEoiId[] = "edgemma.eoi_token_id";
inline constexpr char kEmBoaId[] = "edgemma.boa_token_id";
inline constexpr char kEmEoaId[] = "edgemma.eoa_token_id";
inline constexpr char kEmVisionSoftTokens[] =
    "edgemma.vision_soft_tokens_per_image";
inline constexpr char kEmTemperature[] = "edgemma.generation.temperature";
inline constexpr char kEmTopP[] = "edgemma.generation.top_p";
inline constexpr char kEmTopK[] = "edgemma.generation.top_k";
inline constexpr char kEmVisionJson[] = "edgemma.vision_config";
inline constexpr char kEmAudioJson[] = "edgemma.audio_config";
inline constexpr char kEmVisionHidden[] = "edgemma.vision.hidden_size";
inline constexpr char kEmAudioHidden[] = "edgemma.audio.hidden_size";
inline constexpr char kEmTokenizer[] =
    "edgemma.tokenizer";  // "embedded" or "none"
// Precomputed tokenizer lookup tables (layout in
// core/text/tokenizer_builder.h), used in place from the mapping; optional
// (absent: built from tokenizer.ggml.*).
inline constexpr char kEmTokLayout[] = "edgemma.tokenizer.layout_version";
inline constexpr char kEmTokPieceChars[] = "edgemma.tokenizer.piece_chars";
inline constexpr char kEmTokPieceOffsets[] = "edgemma.tokenizer.piece_offsets";
inline constexpr char kEmTokFlags[] = "edgemma.tokenizer.flags";
inline constexpr char kEmTokPieceTable[] = "edgemma.tokenizer.piece_table";
inline constexpr char kEmTokMerges[] = "edgemma.tokenizer.merges";
inline constexpr char kEmTokMergeTable[] = "edgemma.tokenizer.merge_table";
inline constexpr char kEmTokBmpChar[] = "edgemma.tokenizer.bmp_char";
inline constexpr char kEmTokSpaceGlue[] = "edgemma.tokenizer.space_glue";
inline constexpr char kEmTokFuseUnk[] = "edgemma.tokenizer.fuse_unk";
inline constexpr char kEmSource[] =
    "edgemma.source";  // "quantize" or "synth:<seed>"

}  // namespace edgemma

#endif  // EDGEMMA_CORE_IO_GGUF_KEYS_H_
