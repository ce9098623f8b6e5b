// JNI layer of the Java binding (package ai.edgevl), written over the C API (edgevl/edgevl_c.h): the C API already
// turns every C++ exception into a status code and a message, so this file only translates types and statuses into
// EdgeVLException, and the same ABI that Swift/Python/Rust bindings would use is what the JVM tests exercise.
//
// Threads: the token callback runs on the thread that called Session.generate (already attached to the JVM); if the
// C layer ever called back on another thread, that thread is attached for the call and detached after it. Local
// references: the token loop creates one String per piece and deletes it before returning, so a long generation never
// grows the native frame's local reference table.
#include <jni.h>

#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "edgevl/edgevl_c.h"

namespace {

JavaVM* g_vm = nullptr;
jclass g_exception_class = nullptr;  // ai.edgevl.EdgeVLException (global ref)
jmethodID g_exception_ctor = nullptr;  // EdgeVLException(int status, String message)
jclass g_result_class = nullptr;     // ai.edgevl.Result
jmethodID g_result_ctor = nullptr;   // Result(String, int[], int, Stats)
jclass g_stats_class = nullptr;      // ai.edgevl.Stats
jmethodID g_stats_ctor = nullptr;
jmethodID g_on_token = nullptr;      // TokenListener.onToken(String) -> boolean

// UTF-8 (valid or not) -> a Java String. Java's NewStringUTF expects "modified UTF-8", which differs for characters
// outside the BMP (emoji) and for NUL, so the UTF-16 is built here; malformed bytes become U+FFFD.
jstring utf8_to_jstring(JNIEnv* env, const char* s, size_t n) {
  std::vector<jchar> out;
  out.reserve(n);
  const auto* p = reinterpret_cast<const unsigned char*>(s);
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    if (c < 0x80) {
      cp = c;
    } else {
      size_t need = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
      if (need && i + need <= n) {
        uint32_t v = need == 2 ? (c & 0x1F) : need == 3 ? (c & 0x0F) : (c & 0x07);
        bool ok = true;
        for (size_t k = 1; k < need; ++k) {
          if ((p[i + k] & 0xC0) != 0x80) {
            ok = false;
            break;
          }
          v = (v << 6) | (p[i + k] & 0x3F);
        }
        const uint32_t min = need == 2 ? 0x80 : need == 3 ? 0x800 : 0x10000;
        if (ok && v >= min && v <= 0x10FFFF && !(v >= 0xD800 && v <= 0xDFFF)) {
          cp = v;
          len = need;
        }
      }
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<jchar>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<jchar>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<jchar>(cp));
    }
    i += len;
  }
  return env->NewString(out.data(), static_cast<jsize>(out.size()));
}

// A Java String -> UTF-8 (unpaired surrogates become U+FFFD). Holds nothing of the JVM after return.
struct JavaUtf8 {
  std::string value;
  bool is_null = true;
};

JavaUtf8 jstring_to_utf8(JNIEnv* env, jstring js) {
  JavaUtf8 r;
  if (!js) return r;
  r.is_null = false;
  const jsize n = env->GetStringLength(js);
  std::vector<jchar> u(static_cast<size_t>(n));
  env->GetStringRegion(js, 0, n, u.data());
  std::string& out = r.value;
  out.reserve(static_cast<size_t>(n));
  for (jsize i = 0; i < n; ++i) {
    uint32_t cp = u[static_cast<size_t>(i)];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && u[static_cast<size_t>(i) + 1] >= 0xDC00 &&
        u[static_cast<size_t>(i) + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (u[static_cast<size_t>(i) + 1] - 0xDC00);
      ++i;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;
    }
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return r;
}

// Throws EdgeVLException(status, message) into Java (the native method must return right after).
void throw_edgevl(JNIEnv* env, edgevl_status status, const char* message) {
  if (env->ExceptionCheck()) return;  // keep the first pending exception
  jstring msg = utf8_to_jstring(env, message, std::char_traits<char>::length(message));
  if (!msg) return;  // OutOfMemoryError pending
  auto ex = static_cast<jthrowable>(env->NewObject(g_exception_class, g_exception_ctor, static_cast<jint>(status), msg));
  env->DeleteLocalRef(msg);
  if (ex) {
    env->Throw(ex);
    env->DeleteLocalRef(ex);
  }
}

void throw_last(JNIEnv* env, edgevl_status status) { throw_edgevl(env, status, edgevl_last_error_message()); }

void throw_invalid(JNIEnv* env, const std::string& message) {
  throw_edgevl(env, EDGEVL_ERR_INVALID_ARGUMENT, message.c_str());
}

jclass global_class(JNIEnv* env, const char* name) {
  jclass local = env->FindClass(name);
  if (!local) return nullptr;
  auto global = static_cast<jclass>(env->NewGlobalRef(local));
  env->DeleteLocalRef(local);
  return global;
}

// The token callback's state: the listener of one generate call.
struct Listener {
  jobject listener = nullptr;  // local ref of the calling frame (valid on the calling thread for the whole call)
  jobject global = nullptr;    // global ref, for a callback on another thread
  JNIEnv* caller_env = nullptr;
};

bool on_token(const char* piece, size_t len, void* user_data) {
  auto* l = static_cast<Listener*>(user_data);
  JNIEnv* env = nullptr;
  bool attached = false;
  if (g_vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) == JNI_EDETACHED) {
    if (g_vm->AttachCurrentThread(reinterpret_cast<void**>(&env), nullptr) != JNI_OK) return false;
    attached = true;
  }
  const jobject target = env == l->caller_env ? l->listener : l->global;
  bool go_on = false;
  if (!env->ExceptionCheck() && target) {
    jstring s = utf8_to_jstring(env, piece, len);
    if (s) {
      go_on = env->CallBooleanMethod(target, g_on_token, s) == JNI_TRUE;
      env->DeleteLocalRef(s);  // one String per piece: freed now, not at the end of the native call
    }
    if (env->ExceptionCheck()) go_on = false;  // the listener threw: stop; generate rethrows it
  }
  if (attached) {
    // An exception raised on a foreign thread cannot reach the caller: describe and drop it before detaching.
    if (env->ExceptionCheck()) {
      env->ExceptionDescribe();
      env->ExceptionClear();
    }
    g_vm->DetachCurrentThread();
  }
  return go_on;
}

jobject make_stats(JNIEnv* env, const edgevl_stats& s) {
  return env->NewObject(g_stats_class, g_stats_ctor, static_cast<jint>(s.images), s.preprocess_ms, s.vit_ms,
                        static_cast<jlong>(s.prompt_tokens), static_cast<jlong>(s.prefill_tokens), s.prefill_ms,
                        s.prefill_tokens_per_s, s.ttft_ms, static_cast<jlong>(s.decode_tokens), s.decode_ms,
                        s.decode_tokens_per_s, s.total_ms);
}

jobject make_result(JNIEnv* env, const edgevl_result& r) {
  jstring text = utf8_to_jstring(env, r.text, r.text_len);
  if (!text) return nullptr;
  jintArray ids = env->NewIntArray(static_cast<jsize>(r.num_tokens));
  if (!ids) return nullptr;
  if (r.num_tokens) env->SetIntArrayRegion(ids, 0, static_cast<jsize>(r.num_tokens), r.token_ids);
  jobject stats = make_stats(env, r.stats);
  if (!stats) return nullptr;
  return env->NewObject(g_result_class, g_result_ctor, text, ids, static_cast<jint>(r.stop_reason), stats);
}

// Reads a String[] (null entries allowed when `allow_null`); false with an exception pending on failure.
bool read_strings(JNIEnv* env, jobjectArray array, const char* name, bool allow_null, std::vector<JavaUtf8>* out) {
  if (!array) return true;
  const jsize n = env->GetArrayLength(array);
  for (jsize i = 0; i < n; ++i) {
    auto js = static_cast<jstring>(env->GetObjectArrayElement(array, i));
    if (env->ExceptionCheck()) return false;
    if (!js && !allow_null) {
      throw_invalid(env, std::string(name) + "[" + std::to_string(i) + "] is null");
      return false;
    }
    out->push_back(jstring_to_utf8(env, js));
    if (js) env->DeleteLocalRef(js);
  }
  return true;
}

}  // namespace

extern "C" {

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM* vm, void*) {
  g_vm = vm;
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) return JNI_ERR;
  g_exception_class = global_class(env, "ai/edgevl/EdgeVLException");
  g_result_class = global_class(env, "ai/edgevl/Result");
  g_stats_class = global_class(env, "ai/edgevl/Stats");
  jclass listener = env->FindClass("ai/edgevl/TokenListener");
  if (!g_exception_class || !g_result_class || !g_stats_class || !listener) return JNI_ERR;
  g_exception_ctor = env->GetMethodID(g_exception_class, "<init>", "(ILjava/lang/String;)V");
  g_result_ctor = env->GetMethodID(g_result_class, "<init>", "(Ljava/lang/String;[IILai/edgevl/Stats;)V");
  g_stats_ctor = env->GetMethodID(g_stats_class, "<init>", "(IDDJJDDDJDDD)V");
  g_on_token = env->GetMethodID(listener, "onToken", "(Ljava/lang/String;)Z");
  env->DeleteLocalRef(listener);
  if (!g_exception_ctor || !g_result_ctor || !g_stats_ctor || !g_on_token) return JNI_ERR;
  return JNI_VERSION_1_6;
}

JNIEXPORT jlong JNICALL Java_ai_edgevl_Model_nativeOpen(JNIEnv* env, jclass, jstring path) {
  try {
    const JavaUtf8 p = jstring_to_utf8(env, path);
    edgevl_model* model = nullptr;
    const edgevl_status s = edgevl_model_open(p.is_null ? nullptr : p.value.c_str(), &model);
    if (s != EDGEVL_OK) {
      throw_last(env, s);
      return 0;
    }
    return reinterpret_cast<jlong>(model);
  } catch (const std::bad_alloc&) {
    throw_edgevl(env, EDGEVL_ERR_INTERNAL, "out of memory in the JNI layer");
    return 0;
  }
}

JNIEXPORT void JNICALL Java_ai_edgevl_Model_nativeFree(JNIEnv*, jclass, jlong model) {
  edgevl_model_free(reinterpret_cast<edgevl_model*>(model));
}

JNIEXPORT jlongArray JNICALL Java_ai_edgevl_Model_nativeInfo(JNIEnv* env, jclass, jlong model) {
  edgevl_model_info info{};
  const edgevl_status s = edgevl_model_get_info(reinterpret_cast<edgevl_model*>(model), &info);
  if (s != EDGEVL_OK) {
    throw_last(env, s);
    return nullptr;
  }
  const jlong values[4] = {info.context_length, info.prefill_chunk, info.vocab_size, info.max_patches};
  jlongArray out = env->NewLongArray(4);
  if (out) env->SetLongArrayRegion(out, 0, 4, values);
  return out;
}

JNIEXPORT jstring JNICALL Java_ai_edgevl_Model_nativePrecision(JNIEnv* env, jclass, jlong model) {
  edgevl_model_info info{};
  const edgevl_status s = edgevl_model_get_info(reinterpret_cast<edgevl_model*>(model), &info);
  if (s != EDGEVL_OK) {
    throw_last(env, s);
    return nullptr;
  }
  return env->NewStringUTF(info.precision);  // ASCII
}

JNIEXPORT jlong JNICALL Java_ai_edgevl_Session_nativeCreate(JNIEnv* env, jclass, jlong model) {
  edgevl_session* session = nullptr;
  const edgevl_status s = edgevl_session_create(reinterpret_cast<edgevl_model*>(model), &session);
  if (s != EDGEVL_OK) {
    throw_last(env, s);
    return 0;
  }
  return reinterpret_cast<jlong>(session);
}

JNIEXPORT void JNICALL Java_ai_edgevl_Session_nativeFree(JNIEnv*, jclass, jlong session) {
  edgevl_session_free(reinterpret_cast<edgevl_session*>(session));
}

JNIEXPORT void JNICALL Java_ai_edgevl_Session_nativeReset(JNIEnv* env, jclass, jlong session) {
  const edgevl_status s = edgevl_session_reset(reinterpret_cast<edgevl_session*>(session));
  if (s != EDGEVL_OK) throw_last(env, s);
}

JNIEXPORT void JNICALL Java_ai_edgevl_Session_nativeCancel(JNIEnv*, jclass, jlong session) {
  edgevl_session_cancel(reinterpret_cast<edgevl_session*>(session));
}

JNIEXPORT jlong JNICALL Java_ai_edgevl_Session_nativeCachedTokens(JNIEnv*, jclass, jlong session) {
  return edgevl_session_cached_tokens(reinterpret_cast<edgevl_session*>(session));
}

JNIEXPORT jobject JNICALL Java_ai_edgevl_Session_nativeGenerate(
    JNIEnv* env, jclass, jlong session, jstring text, jstring system, jboolean parse_special_tokens,
    jobjectArray image_paths, jobjectArray image_rgb, jintArray widths, jintArray heights, jint max_new_tokens,
    jfloat temperature, jint top_k, jfloat top_p, jfloat repetition_penalty, jlong seed, jobjectArray stop,
    jobject listener) {
  try {
    const JavaUtf8 t = jstring_to_utf8(env, text);
    const JavaUtf8 sys = jstring_to_utf8(env, system);

    // Images: a path, or RGB bytes copied out of the Java array (the C API copies them again into the request, so
    // nothing of the JVM heap is pinned while the model runs and calls back into Java).
    std::vector<JavaUtf8> paths;
    if (!read_strings(env, image_paths, "request image path", /*allow_null=*/true, &paths)) return nullptr;
    const size_t num_images = paths.size();
    std::vector<std::vector<uint8_t>> rgb(num_images);
    std::vector<jint> w(num_images), h(num_images);
    if (num_images) {
      if (!image_rgb || !widths || !heights || env->GetArrayLength(image_rgb) != static_cast<jsize>(num_images) ||
          env->GetArrayLength(widths) != static_cast<jsize>(num_images) ||
          env->GetArrayLength(heights) != static_cast<jsize>(num_images)) {
        throw_invalid(env, "generate: inconsistent image arrays");
        return nullptr;
      }
      env->GetIntArrayRegion(widths, 0, static_cast<jsize>(num_images), w.data());
      env->GetIntArrayRegion(heights, 0, static_cast<jsize>(num_images), h.data());
    }
    std::vector<edgevl_image> images(num_images);
    for (size_t i = 0; i < num_images; ++i) {
      edgevl_image& im = images[i];
      im = edgevl_image{};
      if (!paths[i].is_null) {
        im.path = paths[i].value.c_str();
        continue;
      }
      auto bytes = static_cast<jbyteArray>(env->GetObjectArrayElement(image_rgb, static_cast<jsize>(i)));
      if (env->ExceptionCheck()) return nullptr;
      if (!bytes) {
        throw_invalid(env, "request.images[" + std::to_string(i) + "]: rgb byte array is null");
        return nullptr;
      }
      const jsize n = env->GetArrayLength(bytes);
      const int64_t expected = static_cast<int64_t>(w[i]) * h[i] * 3;
      if (w[i] > 0 && h[i] > 0 && static_cast<int64_t>(n) != expected) {
        env->DeleteLocalRef(bytes);
        throw_invalid(env, "request.images[" + std::to_string(i) + "]: rgb buffer " + std::to_string(w[i]) + "x" +
                               std::to_string(h[i]) + " needs " + std::to_string(expected) + " bytes, got " +
                               std::to_string(n));
        return nullptr;
      }
      rgb[i].resize(static_cast<size_t>(n));
      if (n) env->GetByteArrayRegion(bytes, 0, n, reinterpret_cast<jbyte*>(rgb[i].data()));
      env->DeleteLocalRef(bytes);
      im.rgb = rgb[i].empty() ? reinterpret_cast<const uint8_t*>("") : rgb[i].data();
      im.width = w[i];
      im.height = h[i];
    }

    std::vector<JavaUtf8> stops;
    if (!read_strings(env, stop, "stop", /*allow_null=*/false, &stops)) return nullptr;
    std::vector<const char*> stop_ptrs;
    for (const auto& s : stops) stop_ptrs.push_back(s.value.c_str());

    edgevl_request req{};
    req.text = t.is_null ? nullptr : t.value.c_str();
    req.images = images.empty() ? nullptr : images.data();
    req.num_images = images.size();
    req.system = sys.is_null ? nullptr : sys.value.c_str();
    req.parse_special_tokens = parse_special_tokens == JNI_TRUE;

    edgevl_generation_params params = edgevl_generation_params_default();
    params.max_new_tokens = max_new_tokens;
    params.temperature = temperature;
    params.top_k = top_k;
    params.top_p = top_p;
    params.repetition_penalty = repetition_penalty;
    params.seed = seed;
    params.stop = stop_ptrs.empty() ? nullptr : stop_ptrs.data();
    params.num_stop = stop_ptrs.size();

    Listener l;
    l.listener = listener;
    l.caller_env = env;
    if (listener) {
      l.global = env->NewGlobalRef(listener);
      if (!l.global) return nullptr;  // OutOfMemoryError pending
    }
    edgevl_result result{};
    const edgevl_status s = edgevl_generate(reinterpret_cast<edgevl_session*>(session), &req, &params,
                                            listener ? on_token : nullptr, &l, &result);
    if (l.global) env->DeleteGlobalRef(l.global);
    if (env->ExceptionCheck()) return nullptr;  // the listener threw: Java sees its exception
    if (s != EDGEVL_OK) {
      throw_last(env, s);
      return nullptr;
    }
    return make_result(env, result);
  } catch (const std::bad_alloc&) {
    throw_edgevl(env, EDGEVL_ERR_INTERNAL, "out of memory in the JNI layer");
    return nullptr;
  }
}

}  // extern "C"
