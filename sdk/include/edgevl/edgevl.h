// EdgeVL public API: everything a user includes.
//
//   auto model = edgevl::Model::open("qwen2vl.evl");
//   edgevl::Session session(model);
//   auto result = session.generate(edgevl::Request::user("What is in the image?", {"cat.jpg"}), {},
//                                  [](std::string_view piece) { std::cout << piece << std::flush; return true; });
//
// Every function throws one exception type, edgevl::Error, with a code() (edgevl::ErrorCode) and a message naming the
// input and what is wrong with it.
#pragma once

#include "edgevl/accuracy_report.h"
#include "edgevl/compile.h"
#include "edgevl/error.h"
#include "edgevl/generation.h"
#include "edgevl/image.h"
#include "edgevl/model.h"
#include "edgevl/request.h"
#include "edgevl/session.h"
