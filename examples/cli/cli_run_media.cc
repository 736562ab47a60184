#include "examples/cli/cli_run_media.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "examples/cli/cli_audio.h"
#include "examples/cli/cli_image.h"

namespace edgemma::cli {
namespace {

// HF's video processor samples at most this many frames.
constexpr int kMaxVideoFrames = 32;

int Fail(const std::string& msg) {
  std::fprintf(stderr, "edgemma run: %s\n", msg.c_str());
  return 1;
}

int FailApi(const std::string& what, edgemma_status st) {
  return Fail(what + ": " + edgemma_status_name(st) + ": " +
              edgemma_last_error());
}

double MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
      .count();
}

struct Media {
  Media(const GenFlags& flags, const Loaded& loaded, std::vector<float>* out)
      : f(flags), l(loaded), soft(out) {}
  const GenFlags& f;
  const Loaded& l;
  edgemma_vision* vision = nullptr;
  edgemma_audio_encoder* audio = nullptr;
  std::vector<edgemma_media_item> items;
  std::vector<float>* soft;
  int d_model = 0;
  ~Media() {
    edgemma_vision_free(vision);
    edgemma_audio_encoder_free(audio);
  }

  // Soft tokens of one image at `budget` appended to *soft; *n their count.
  int Image(const std::string& path, int budget, int* n) {
    Result<RgbImage> img = LoadImageRgb(path);
    if (!img.ok()) return Fail(img.status().message());
    int32_t count = 0;
    edgemma_status st = edgemma_vision_count_tokens(
        vision, img->width, img->height, budget, &count);
    if (st != EDGEMMA_OK) return FailApi(path, st);
    const size_t base = soft->size();
    soft->resize(base + static_cast<size_t>(count) * d_model);
    st = edgemma_vision_encode(vision, img->rgb.data(), img->width, img->height,
                               budget, soft->data() + base, count, &count);
    if (st != EDGEMMA_OK) return FailApi(path, st);
    *n = count;
    return 0;
  }

  int AddImage(const std::string& path) {
    const auto t0 = std::chrono::steady_clock::now();
    int n = 0;
    if (int rc = Image(path, f.budget, &n)) return rc;
    items.push_back({EDGEMMA_MEDIA_IMAGE, n, 0, 0.f});
    if (!f.quiet) {
      std::fprintf(stderr,
                   "[image] %s: %d soft tokens (budget %d) in %.0f ms\n",
                   path.c_str(), n, f.budget, MsSince(t0));
    }
    return 0;
  }

  int AddVideo(const std::string& dir) {
    std::string error;
    std::vector<std::string> frames = VideoFrames(dir, &error);
    if (frames.empty()) return Fail(error);
    const int total = static_cast<int>(frames.size());
    const int used = std::min(total, kMaxVideoFrames);
    const auto t0 = std::chrono::steady_clock::now();
    int n_frame = -1;
    for (int i = 0; i < used; ++i) {
      const std::string& path = frames[static_cast<size_t>(i) * total / used];
      int n = 0;
      if (int rc = Image(path, f.frame_budget, &n)) return rc;
      if (n_frame >= 0 && n != n_frame) {
        return Fail(dir + ": frame " + path + " gives " + std::to_string(n) +
                    " soft tokens, the first frame " + std::to_string(n_frame) +
                    " (frames must have one size)");
      }
      n_frame = n;
    }
    // Sampled frame i is frame i * total / used, at that index / fps seconds.
    const float fps = static_cast<float>(f.fps) * used / total;
    items.push_back({EDGEMMA_MEDIA_VIDEO, n_frame, used, fps});
    if (!f.quiet) {
      std::fprintf(stderr,
                   "[video] %s: %d of %d frames x %d soft tokens (budget %d) "
                   "in %.0f ms\n",
                   dir.c_str(), used, total, n_frame, f.frame_budget,
                   MsSince(t0));
    }
    return 0;
  }

  int AddAudio(const std::string& path) {
    Result<std::vector<float>> pcm =
        LoadAudioPcm(path, edgemma_audio_sample_rate(audio));
    if (!pcm.ok()) return Fail(pcm.status().message());
    const int64_t samples = static_cast<int64_t>(pcm->size());
    const int32_t want = edgemma_audio_n_tokens(audio, samples);
    const size_t base = soft->size();
    soft->resize(base + static_cast<size_t>(want) * d_model);
    int32_t n = 0;
    edgemma_status st = edgemma_audio_encode(audio, pcm->data(), samples,
                                             soft->data() + base, want, &n);
    if (st != EDGEMMA_OK) return FailApi(path, st);
    soft->resize(base + static_cast<size_t>(n) * d_model);
    items.push_back({EDGEMMA_MEDIA_AUDIO, n, 0, 0.f});
    return 0;
  }
};

}  // namespace

std::string MediaContentJson(const GenFlags& f, const std::string& text) {
  nlohmann::json content = nlohmann::json::array();
  for (char m : f.media_order) {
    content.push_back({{"type", m == 'a'   ? "audio"
                                : m == 'i' ? "image"
                                           : "video"}});
  }
  content.push_back({{"type", "text"}, {"text", text}});
  return content.dump();
}

std::vector<std::string> VideoFrames(const std::string& dir,
                                     std::string* error) {
  namespace fs = std::filesystem;
  std::vector<std::string> frames;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    *error = dir +
             ": not a directory of frames (video files are not decoded: "
             "extract frames at 1 fps first, e.g. with ffmpeg -vf fps=1)";
    return frames;
  }
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    std::string ext = e.path().extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(c));
    if (e.is_regular_file(ec) &&
        (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".ppm" ||
         ext == ".pgm")) {
      frames.push_back(e.path().string());
    }
  }
  std::sort(frames.begin(), frames.end());
  if (frames.empty()) *error = dir + ": no .jpg/.png/.ppm frames in it";
  return frames;
}

int PrepareMedia(const GenFlags& f, const Loaded& l, const std::string& prompt,
                 std::string* expanded, std::vector<float>* soft) {
  Media m(f, l, soft);
  m.d_model = edgemma_model_d_model(l.model);
  if (!f.images.empty() || !f.videos.empty()) {
    edgemma_vision_params vp = edgemma_vision_default_params();
    vp.max_budget = std::max(f.images.empty() ? 0 : f.budget,
                             f.videos.empty() ? 0 : f.frame_budget);
    vp.n_threads = f.threads;
    vp.act_type = f.act;
    edgemma_status st = edgemma_vision_load(l.model, nullptr, &vp, &m.vision);
    if (st != EDGEMMA_OK) return FailApi("vision tower", st);
  }
  if (!f.audio.empty()) {
    edgemma_audio_params ap = edgemma_audio_default_params();
    ap.n_threads = f.threads;
    edgemma_status st = edgemma_audio_encoder_create(l.model, &ap, &m.audio);
    if (st != EDGEMMA_OK) return FailApi("audio tower", st);
  }
  size_t ia = 0, ii = 0, iv = 0;
  for (char kind : f.media_order) {
    int rc = 0;
    if (kind == 'i') rc = m.AddImage(f.images[ii++]);
    if (kind == 'v') rc = m.AddVideo(f.videos[iv++]);
    if (kind == 'a') rc = m.AddAudio(f.audio[ia++]);
    if (rc != 0) return rc;
  }
  size_t len = 0;
  const int32_t n_items = static_cast<int32_t>(m.items.size());
  edgemma_status st = edgemma_expand_media_prompt(
      l.model, prompt.c_str(), m.items.data(), n_items, nullptr, 0, &len);
  if (st != EDGEMMA_OK) return FailApi("prompt", st);
  expanded->resize(len + 1);
  st = edgemma_expand_media_prompt(l.model, prompt.c_str(), m.items.data(),
                                   n_items, &(*expanded)[0], expanded->size(),
                                   &len);
  if (st != EDGEMMA_OK) return FailApi("prompt", st);
  expanded->resize(len);
  return 0;
}

}  // namespace edgemma::cli
