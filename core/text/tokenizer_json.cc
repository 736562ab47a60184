// tokenizer.json loading with nlohmann's SAX interface: no DOM is built, the
// 33 MB file is scanned once and strings go straight into the builder.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/text/tokenizer.h"
#include "core/text/tokenizer_builder.h"
#include "platform/file_status.h"
#include "platform/mapped_file.h"

namespace edgemma {
namespace {

using Json = nlohmann::json;

// Tracks the path of object keys and fills a TokenizerBuilder. Recognised:
// model.{type,vocab,merges,unk_token,fuse_unk,byte_fallback}, added_tokens[],
// post_processor.single[].SpecialToken (-> add_bos).
class TokenizerSax : public nlohmann::json_sax<Json> {
 public:
  explicit TokenizerSax(TokenizerBuilder* b) : b_(b) {}

  bool null() override { return Value(); }
  bool boolean(bool v) override {
    if (InModel() && key_ == "fuse_unk") b_->SetFuseUnk(v);
    if (InModel() && key_ == "byte_fallback") byte_fallback_ = v;
    if (InAddedToken() && key_ == "special") cur_special_ = v;
    return Value();
  }
  bool number_integer(number_integer_t v) override { return Int(v); }
  bool number_unsigned(number_unsigned_t v) override {
    return Int(static_cast<int64_t>(v));
  }
  bool number_float(number_float_t, const string_t&) override {
    return Value();
  }
  bool string(string_t& v) override;
  bool binary(binary_t&) override { return Value(); }
  bool start_object(std::size_t) override;
  bool key(string_t& k) override {
    key_ = k;
    return true;
  }
  bool end_object() override;
  bool start_array(std::size_t) override;
  bool end_array() override;
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    error_ = "invalid JSON near byte " + std::to_string(pos) + ": " + ex.what();
    return false;
  }

  const std::string& error() const { return error_; }
  bool saw_model() const { return saw_model_; }
  const std::string& model_type() const { return model_type_; }
  bool byte_fallback() const { return byte_fallback_; }
  size_t vocab_entries() const { return vocab_entries_; }

 private:
  // Container stack entry: the key that opened it ("" in arrays / root).
  enum Key { kOther, kModel, kVocab, kMerges, kAddedTokens, kPost, kSingle };
  struct Frame {
    Key key;
    bool is_array;
  };
  static Key Classify(const std::string& k) {
    if (k == "model") return kModel;
    if (k == "vocab") return kVocab;
    if (k == "merges") return kMerges;
    if (k == "added_tokens") return kAddedTokens;
    if (k == "post_processor") return kPost;
    if (k == "single") return kSingle;
    return kOther;
  }
  void Push(bool is_array) {
    const bool keyed = !stack_.empty() && !stack_.back().is_array;
    stack_.push_back({keyed ? Classify(key_) : kOther, is_array});
  }
  bool Depth(size_t d) const { return stack_.size() == d; }
  bool Under(size_t i, Key k) const {
    return stack_.size() > i && stack_[i].key == k;
  }
  bool InModel() const { return Depth(2) && Under(1, kModel); }
  bool InVocab() const {
    return Depth(3) && Under(1, kModel) && Under(2, kVocab);
  }
  bool InMerges() const {
    return stack_.size() >= 3 && Under(1, kModel) && Under(2, kMerges);
  }
  bool InAddedToken() const { return Depth(3) && Under(1, kAddedTokens); }
  bool Value() { return true; }
  bool Int(int64_t v);

  TokenizerBuilder* b_;
  std::vector<Frame> stack_;
  std::string key_;
  std::string error_;
  bool saw_model_ = false;
  bool byte_fallback_ = false;
  std::string model_type_;
  size_t vocab_entries_ = 0;
  // Current added token / merge pair being read.
  int64_t cur_id_ = -1;
  std::string cur_content_;
  bool cur_special_ = false;
  std::vector<std::string> pair_;
};

bool TokenizerSax::Int(int64_t v) {
  if (InVocab()) {
    if (v < 0 || v > INT32_MAX) {
      error_ = "vocab entry '" + key_ + "' has a bad id " + std::to_string(v);
      return false;
    }
    b_->SetPiece(static_cast<int32_t>(v), key_);
    ++vocab_entries_;
  } else if (InAddedToken() && key_ == "id") {
    cur_id_ = v;
  }
  return true;
}

bool TokenizerSax::string(string_t& v) {
  if (InModel() && key_ == "type") model_type_ = v;
  if (InModel() && key_ == "unk_token") b_->SetUnkPiece(v);
  if (InAddedToken() && key_ == "content") cur_content_ = v;
  if (Depth(3) && Under(1, kModel) && Under(2, kMerges)) {
    // Old format: "left right", split at the first space after position 0.
    const size_t sp = v.find(' ', 1);
    if (sp == std::string::npos) {
      error_ = "merge '" + v + "' has no space";
      return false;
    }
    b_->AddMerge(std::string_view(v).substr(0, sp),
                 std::string_view(v).substr(sp + 1));
  } else if (Depth(4) && InMerges()) {
    pair_.push_back(v);
  }
  return true;
}

bool TokenizerSax::start_object(std::size_t) {
  Push(false);
  if (Depth(3) && Under(1, kModel) && Under(2, kMerges)) {
    error_ = "model.merges must be an array";
    return false;
  }
  if (Depth(2) && Under(1, kModel)) saw_model_ = true;
  if (InAddedToken()) {
    cur_id_ = -1;
    cur_content_.clear();
    cur_special_ = false;
  }
  // post_processor.single[] entries of the form {"SpecialToken": ...}.
  if (stack_.size() >= 4 && Under(1, kPost) && Under(2, kSingle) &&
      key_ == "SpecialToken") {
    b_->SetAddBos(true);
  }
  return true;
}

bool TokenizerSax::end_object() {
  if (InAddedToken()) {
    if (cur_id_ < 0 || cur_id_ > INT32_MAX) {
      error_ = "added token '" + cur_content_ + "' has no valid id";
      return false;
    }
    b_->AddAddedToken(static_cast<int32_t>(cur_id_), cur_content_,
                      cur_special_);
  }
  stack_.pop_back();
  return true;
}

bool TokenizerSax::start_array(std::size_t) {
  Push(true);
  if (Depth(4) && InMerges()) pair_.clear();
  return true;
}

bool TokenizerSax::end_array() {
  if (Depth(4) && InMerges()) {
    if (pair_.size() != 2) {
      error_ = "a merge is not a pair of strings";
      return false;
    }
    b_->AddMerge(pair_[0], pair_[1]);
  }
  stack_.pop_back();
  return true;
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromJsonText(
    std::string_view json, const std::string& name) {
  TokenizerBuilder builder;
  TokenizerSax sax(&builder);
  const bool ok = Json::sax_parse(json.begin(), json.end(), &sax);
  if (!ok) {
    return Corrupt(name + ": " +
                   (sax.error().empty() ? "invalid JSON" : sax.error()));
  }
  if (!sax.saw_model()) return Corrupt(name + ": no \"model\" object");
  if (sax.model_type() != "BPE") {
    return Unsupported(name + ": tokenizer model type '" + sax.model_type() +
                       "' (only BPE is supported)");
  }
  if (sax.vocab_entries() == 0) return Corrupt(name + ": empty model.vocab");
  return builder.Build(name);
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromJsonFile(
    const std::string& path) {
  std::string file = path;
  if (IsDirectory(path)) file = path + "/tokenizer.json";
  EM_ASSIGN_OR_RETURN(auto mapped, MappedFile::Open(file));
  const std::string_view text(reinterpret_cast<const char*>(mapped->data()),
                              mapped->size());
  if (text.empty()) return Corrupt(file + ": empty file");
  return FromJsonText(text, file);
}

}  // namespace edgemma
