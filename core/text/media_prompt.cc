// Media placeholders -> soft-token blocks (contracts in media_prompt.h).
#include "core/text/media_prompt.h"

#include <cmath>
#include <cstdio>

namespace edgemma {
namespace {

Status Piece(const Tokenizer& tok, int id, const char* field,
             std::string* out) {
  if (id < 0) return NotFound(std::string("config has no ") + field);
  if (id >= tok.vocab_size()) {
    return InvalidArgument(std::string(field) + " " + std::to_string(id) +
                           " is outside the tokenizer's vocabulary");
  }
  *out = std::string(tok.Piece(id));
  if (out->empty())
    return InvalidArgument(std::string(field) + " has no token text");
  return Status::Ok();
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

const char* MediaKindName(MediaKind kind) {
  switch (kind) {
    case MediaKind::kImage:
      return "image";
    case MediaKind::kAudio:
      return "audio";
    case MediaKind::kVideo:
      return "video";
  }
  return "media";
}

Result<MediaTokenText> MediaTokenTextFor(const Gemma4Config& cfg,
                                         const Tokenizer& tok) {
  MediaTokenText t;
  EM_RETURN_IF_ERROR(
      Piece(tok, cfg.image_token_id, "image_token_id", &t.image));
  EM_RETURN_IF_ERROR(Piece(tok, cfg.boi_token_id, "boi_token_id", &t.boi));
  EM_RETURN_IF_ERROR(Piece(tok, cfg.eoi_token_id, "eoi_token_id", &t.eoi));
  // Video and audio ids are optional in a config; missing ones only fail when
  // a prompt uses them.
  if (cfg.video_token_id >= 0)
    EM_RETURN_IF_ERROR(
        Piece(tok, cfg.video_token_id, "video_token_id", &t.video));
  if (cfg.audio_token_id >= 0) {
    EM_RETURN_IF_ERROR(
        Piece(tok, cfg.audio_token_id, "audio_token_id", &t.audio));
    EM_RETURN_IF_ERROR(Piece(tok, cfg.boa_token_id, "boa_token_id", &t.boa));
    EM_RETURN_IF_ERROR(Piece(tok, cfg.eoa_token_id, "eoa_token_id", &t.eoa));
  }
  return t;
}

std::string VideoTimestamp(double seconds) {
  const long long s =
      static_cast<long long>(std::floor(std::max(0.0, seconds)));
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02lld:%02lld", s / 60, s % 60);
  return buf;
}

Result<std::string> ExpandMediaPrompt(std::string_view text,
                                      const MediaTokenText& t,
                                      const std::vector<MediaItem>& items) {
  std::string out;
  size_t pos = 0, used = 0;
  while (pos < text.size()) {
    // The next placeholder of any kind.
    size_t best = std::string_view::npos;
    MediaKind kind = MediaKind::kImage;
    const std::pair<const std::string*, MediaKind> marks[] = {
        {&t.image, MediaKind::kImage},
        {&t.audio, MediaKind::kAudio},
        {&t.video, MediaKind::kVideo}};
    for (const auto& [mark, k] : marks) {
      if (mark->empty()) continue;
      const size_t at = text.find(*mark, pos);
      if (at < best) {
        best = at;
        kind = k;
      }
    }
    if (best == std::string_view::npos) break;
    out.append(text.substr(pos, best - pos));
    const std::string where = "media placeholder " + std::to_string(used) +
                              " (" + MediaKindName(kind) + ")";
    if (used >= items.size())
      return InvalidArgument(where + " has no media item");
    const MediaItem& m = items[used++];
    if (m.kind != kind) {
      return InvalidArgument(where + " was given a " +
                             std::string(MediaKindName(m.kind)) + " item");
    }
    if (m.n_tokens < 1) return InvalidArgument(where + ": no soft tokens");
    switch (kind) {
      case MediaKind::kImage:
        out += t.boi + Repeat(t.image, m.n_tokens) + t.eoi;
        pos = best + t.image.size();
        break;
      case MediaKind::kAudio:
        out += t.boa + Repeat(t.audio, m.n_tokens) + t.eoa;
        pos = best + t.audio.size();
        break;
      case MediaKind::kVideo: {
        if (m.frame_seconds.empty())
          return InvalidArgument(where + ": a video needs frames");
        const std::string frame = t.boi + Repeat(t.video, m.n_tokens) + t.eoi;
        for (size_t f = 0; f < m.frame_seconds.size(); ++f) {
          if (f > 0) out += ' ';
          out += VideoTimestamp(m.frame_seconds[f]) + " " + frame;
        }
        pos = best + t.video.size();
        break;
      }
    }
  }
  out.append(text.substr(std::min(pos, text.size())));
  if (used != items.size()) {
    return InvalidArgument(
        "the prompt has " + std::to_string(used) + " media placeholders but " +
        std::to_string(items.size()) + " media items were given");
  }
  return out;
}

std::vector<SoftTokenRun> SoftTokenRuns(const Gemma4Config& cfg,
                                        const int32_t* ids, int n) {
  auto kind_of = [&](int32_t id, MediaKind* k) {
    if (id < 0) return false;
    if (id == cfg.image_token_id)
      *k = MediaKind::kImage;
    else if (id == cfg.video_token_id)
      *k = MediaKind::kVideo;
    else if (id == cfg.audio_token_id)
      *k = MediaKind::kAudio;
    else
      return false;
    return true;
  };
  std::vector<SoftTokenRun> runs;
  for (int i = 0; i < n; ++i) {
    MediaKind k;
    if (!kind_of(ids[i], &k)) continue;
    if (!runs.empty() && runs.back().start + runs.back().length == i &&
        runs.back().kind == k) {
      ++runs.back().length;
    } else {
      runs.push_back({k, i, 1});
    }
  }
  return runs;
}

}  // namespace edgemma
