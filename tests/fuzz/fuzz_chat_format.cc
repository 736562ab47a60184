// Chat-format input: any bytes as the JSON request of `edgemma chat-format`,
// `run --messages` and edgemma_chat_format(). Rendering must fail cleanly with
// a message or give a prompt; the options' defaults must not matter to that.
#include <string>
#include <string_view>

#include "core/text/chat_format.h"
#include "tests/fuzz/fuzz_target.h"

EDGEMMA_FUZZ_TARGET(chat_format) {
  using namespace edgemma;
  const std::string_view request(reinterpret_cast<const char*>(data), size);
  ChatFormatOptions defaults;
  Result<std::string> a = RenderGemma4Chat(request, defaults);
  if (!a.ok()) {
    FUZZ_CHECK(!a.status().message().empty());
  }
  defaults.enable_thinking = true;
  defaults.add_generation_prompt = false;
  defaults.bos_token = "";
  Result<std::string> b = RenderGemma4Chat(request, defaults);
  FUZZ_CHECK(a.ok() == b.ok());
  return 0;
}
