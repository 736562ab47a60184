// Shared internals of the C API (include/edgemma.h): the opaque structs and the
// error boundary. Every exported function runs its body through Guard(), which
// turns Status errors and any C++ exception into an edgemma_status plus a
// thread-local message.
#ifndef EDGEMMA_CORE_CAPI_CAPI_INTERNAL_H_
#define EDGEMMA_CORE_CAPI_CAPI_INTERNAL_H_

#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "core/gemma4/model.h"
#include "core/gemma4/session.h"
#include "core/text/generate.h"
#include "core/text/tokenizer.h"
#include "edgemma.h"
#include "platform/status.h"

struct edgemma_model {
  std::unique_ptr<edgemma::Model> model;
  std::string
      path;  // as given to edgemma_model_load (towers are found from it)
  std::unique_ptr<edgemma::Tokenizer>
      tokenizer;  // null if the files carry none
};

struct edgemma_session {
  const edgemma_model* model = nullptr;
  std::unique_ptr<edgemma::Session> session;
  std::unique_ptr<edgemma::Generator> gen;
  std::vector<int32_t> prompt_ids;  // reused tokenization buffer
};

namespace edgemma::capi {

// Records `message` as this thread's last error and returns `code`.
edgemma_status SetError(edgemma_status code, const std::string& message);
edgemma_status FromStatus(const Status& s);
inline edgemma_status NullArg(const char* fn, const char* arg) {
  return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                  std::string(fn) + ": " + arg + " is NULL");
}

template <typename F>
edgemma_status Guard(const char* fn, F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return SetError(EDGEMMA_ERR_OUT_OF_MEMORY,
                    std::string(fn) + ": out of memory");
  } catch (const std::exception& e) {
    return SetError(EDGEMMA_ERR_INTERNAL,
                    std::string(fn) + ": internal error: " + e.what());
  } catch (...) {
    return SetError(EDGEMMA_ERR_INTERNAL, std::string(fn) + ": internal error");
  }
}

// Runs session->prompt_ids through the generator with `params` (shared by the
// text and multimodal generate calls).
edgemma_status RunGenerate(edgemma_session* session,
                           const edgemma_generate_params* params,
                           edgemma_generate_stats* stats);
edgemma_status CopyLogits(edgemma_session* s, float* logits);

// Writes `text` + NUL into (out, capacity) following the header's buffer
// convention.
edgemma_status CopyOut(const char* fn, const std::string& text, char* out,
                       size_t capacity, size_t* length);

}  // namespace edgemma::capi

#endif  // EDGEMMA_CORE_CAPI_CAPI_INTERNAL_H_
