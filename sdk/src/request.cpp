#include "edgevl/request.h"

namespace edgevl {

Request Request::user(std::string text, const std::vector<std::string>& image_paths) {
  Request r;
  r.text = std::move(text);
  for (const auto& p : image_paths) r.images.push_back(Image::from_file(p));
  return r;
}

}  // namespace edgevl
