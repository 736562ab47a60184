// Images, video frames and sound files of `edgemma run` (--image, --video,
// --audio, in the order of the flags): each is decoded and encoded into soft
// tokens through the C API, the rendered prompt's placeholders are expanded to
// their blocks (edgemma_expand_media_prompt), and the soft tokens are returned
// in prompt order for edgemma_generate_multimodal.
#ifndef EDGEMMA_EXAMPLES_CLI_CLI_RUN_MEDIA_H_
#define EDGEMMA_EXAMPLES_CLI_CLI_RUN_MEDIA_H_

#include <string>
#include <vector>

#include "edgemma.h"
#include "examples/cli/cli_generate.h"

namespace edgemma::cli {

// The chat template's content parts of the user turn: the media of `f` in
// flag order, then the text.
std::string MediaContentJson(const GenFlags& f, const std::string& text);

// Returns 0, or 1 after printing "edgemma run: ..." on stderr.
int PrepareMedia(const GenFlags& f, const Loaded& l, const std::string& prompt,
                 std::string* expanded, std::vector<float>* soft);

// The frame files of a --video directory (JPEG/PNG/PPM/PGM by extension),
// sorted by name; empty with *error set when there are none.
std::vector<std::string> VideoFrames(const std::string& dir,
                                     std::string* error);

}  // namespace edgemma::cli

#endif  // EDGEMMA_EXAMPLES_CLI_CLI_RUN_MEDIA_H_
