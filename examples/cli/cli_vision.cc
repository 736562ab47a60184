#include "examples/cli/cli_vision.h"

#include "examples/cli/cli_image.h"

namespace edgemma::cli {

Result<std::shared_ptr<VisionTool>> OpenVision(const std::string& model_path,
                                               int max_budget, int threads,
                                               ActType act) {
  EM_ASSIGN_OR_RETURN(std::string path, TowerPathFor(model_path, "vision"));
  auto v = std::make_shared<VisionTool>();
  EM_ASSIGN_OR_RETURN(v->towers, TowerWeights::Open(path));
  if (!v->towers->dims().vision.present) {
    return InvalidArgument(model_path +
                           ": the model has no vision tower (vision_config is "
                           "null): images cannot be used");
  }
  ImageEncoderOptions o;
  o.encoder.max_budget = max_budget;
  o.encoder.n_threads = threads;
  o.encoder.act_type = act;
  EM_ASSIGN_OR_RETURN(v->encoder, ImageEncoder::Create(*v->towers, o));
  return v;
}

Result<std::vector<float>> EncodeImageFile(VisionTool& v,
                                           const std::string& file,
                                           int budget) {
  EM_ASSIGN_OR_RETURN(RgbImage img, LoadImageRgb(file, v.max_pixels));
  Result<int> n = v.encoder->CountSoftTokens(img.height, img.width, budget);
  if (!n.ok())
    return Status(n.status().code(), file + ": " + n.status().message());
  std::vector<float> out(static_cast<size_t>(n.value()) * v.encoder->text_d());
  Result<int> got = v.encoder->Encode(img.rgb.data(), img.height, img.width,
                                      budget, out.data(), n.value());
  if (!got.ok())
    return Status(got.status().code(), file + ": " + got.status().message());
  return out;
}

Result<MediaSource> ImageSource(const std::string& model_path,
                                const Gemma4Config& cfg, int threads,
                                ActType act, int budget,
                                std::vector<std::string> files) {
  if (!cfg.vision.present) {
    return InvalidArgument(model_path +
                           ": the model has no vision tower (vision_config is "
                           "null): --image cannot be used");
  }
  if (cfg.image_token_id < 0)
    return InvalidArgument(model_path + ": no image_token_id");
  EM_ASSIGN_OR_RETURN(std::shared_ptr<VisionTool> v,
                      OpenVision(model_path, budget, threads, act));
  MediaSource s;
  s.flag = "--image";
  s.placeholder_id = cfg.image_token_id;
  s.files = std::move(files);
  s.encode = [v, budget](const std::string& file) {
    return EncodeImageFile(*v, file, budget);
  };
  return s;
}

}  // namespace edgemma::cli
