/* EdgeVL C API: the C ABI over the C++ session API (edgevl/edgevl.h), for C programs and for bindings (JNI, Swift,
 * Kotlin/Native, Python ctypes, Rust, C#). Plain C99; no C++ exception ever crosses it.
 *
 *   edgevl_model* model = NULL;
 *   if (edgevl_model_open("qwen2vl-shapes.evl", &model) != EDGEVL_OK) {
 *     fprintf(stderr, "%s\n", edgevl_last_error_message());
 *     return 1;
 *   }
 *   edgevl_session* session = NULL;
 *   edgevl_session_create(model, &session);
 *   edgevl_image image = {0};
 *   image.path = "scene.png";
 *   edgevl_request request = {0};
 *   request.text = "Describe the image.";
 *   request.images = &image;
 *   request.num_images = 1;
 *   edgevl_generation_params params = edgevl_generation_params_default();
 *   params.max_new_tokens = 64;
 *   edgevl_result result;
 *   edgevl_status s = edgevl_generate(session, &request, &params, print_piece, NULL, &result);
 *   ...
 *   edgevl_session_free(session);
 *   edgevl_model_free(model);
 *
 * Conventions:
 *  - Every function that can fail returns an edgevl_status: EDGEVL_OK (0) or the code of the failure, which matches
 *    edgevl::ErrorCode one to one (EDGEVL_ERR_x = ErrorCode::kX + 1). Then edgevl_last_error_message() on the SAME
 *    thread gives the message, which names the input (file path, argument, parameter) and what is wrong with it.
 *  - Strings are UTF-8 and NUL-terminated unless a length is given. Every pointer argument may be NULL only where said;
 *    a NULL where one is needed is EDGEVL_ERR_INVALID_ARGUMENT naming the argument (never a crash).
 *  - Handles are opaque. A model handle may be used by many sessions on many threads; a session is one conversation,
 *    used by one thread at a time, except edgevl_session_cancel(), which any thread may call.
 *  - Out-parameters are written only on EDGEVL_OK (an out-handle is set to NULL on failure).
 */
#ifndef EDGEVL_EDGEVL_C_H_
#define EDGEVL_EDGEVL_C_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define EDGEVL_C_API __declspec(dllexport)
#elif defined(__GNUC__)
#define EDGEVL_C_API __attribute__((visibility("default")))
#else
#define EDGEVL_C_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this C API; it changes when a struct or signature below changes. */
#define EDGEVL_C_API_VERSION 2 /* 2: edgevl_request.parse_special_tokens */

/** Result of every fallible call. The values match edgevl::ErrorCode (qnn/include/edgevl/error.h) plus one. */
typedef enum edgevl_status {
  EDGEVL_OK = 0,
  EDGEVL_ERR_INVALID_ARGUMENT = 1, /**< a parameter or request is malformed (NULL pointer, empty request, bad value) */
  EDGEVL_ERR_NOT_FOUND = 2,        /**< a file that must exist does not (model bundle, image file, file in a bundle) */
  EDGEVL_ERR_CORRUPT_FILE = 3,     /**< a file exists but is malformed, truncated, fails a checksum or cannot be decoded */
  EDGEVL_ERR_UNSUPPORTED = 4,      /**< well-formed input EdgeVL does not handle (bundle format version, image format) */
  EDGEVL_ERR_SHAPE_MISMATCH = 5,   /**< a tensor or input has the wrong shape or dtype */
  EDGEVL_ERR_CONTEXT_OVERFLOW = 6, /**< the prompt does not fit the model's context length (checked before any work) */
  EDGEVL_ERR_CANCELLED = 7,        /**< the operation was cancelled (edgevl_generate reports a cancel as EDGEVL_OK with
                                        EDGEVL_STOP_CANCELLED instead) */
  EDGEVL_ERR_IO = 8,               /**< the operating system failed a read, write or mmap */
  EDGEVL_ERR_INTERNAL = 9,         /**< a bug in EdgeVL or out of memory: please report it with the message */
} edgevl_status;

/** Short stable name of a status: "ok", "invalid_argument", "not_found", "corrupt_file", "unsupported",
 *  "shape_mismatch", "context_overflow", "cancelled", "io", "internal"; "unknown" for any other value. Static string,
 *  never NULL; any thread. */
EDGEVL_C_API const char* edgevl_status_name(edgevl_status status);

/** Message of the last call on THIS thread that returned a status: "" when it returned EDGEVL_OK, otherwise the error
 *  message (names the input and what is wrong). Never NULL. The pointer stays valid until the next EdgeVL call on this
 *  thread that returns a status. */
EDGEVL_C_API const char* edgevl_last_error_message(void);

/* ---------------------------------------------------------------------------------------------------------------- */
/* Model                                                                                                             */

/** An opened compiled bundle (a NAME.evl/ directory written by qwen2vl-compile / edgevl::compile_model): weights
 *  memory-mapped, immutable. Thread-safe: any number of sessions on any threads may use one model at once. */
typedef struct edgevl_model edgevl_model;

/** Opens the bundle directory `bundle_path` and stores a new handle in `*out_model` (free with edgevl_model_free).
 *  Returns EDGEVL_OK; EDGEVL_ERR_INVALID_ARGUMENT (a NULL argument); EDGEVL_ERR_NOT_FOUND (no such directory, or a file
 *  missing from it); EDGEVL_ERR_CORRUPT_FILE (not a directory, malformed manifest, truncated weights, checksum mismatch);
 *  EDGEVL_ERR_UNSUPPORTED (format version or model family); EDGEVL_ERR_IO (mmap failed). Any thread. */
EDGEVL_C_API edgevl_status edgevl_model_open(const char* bundle_path, edgevl_model** out_model);

/** Releases the handle. NULL is a no-op. Sessions created from the model keep the bundle mapped and stay usable until
 *  they are freed themselves. Must not run while another thread uses this same handle (e.g. in edgevl_session_create). */
EDGEVL_C_API void edgevl_model_free(edgevl_model* model);

/** Facts about an opened model (edgevl::ModelInfo). */
typedef struct edgevl_model_info {
  int64_t context_length; /**< tokens of one conversation (prompt + generated), fixed at compile time */
  int64_t prefill_chunk;  /**< tokens per prefill graph run */
  int64_t vocab_size;     /**< rows of the model's embedding table */
  int64_t max_patches;    /**< patch count of the largest compiled ViT bucket (most patches one image can have) */
  const char* precision;  /**< "fp32" or "fp16"; static string */
  const char* family;     /**< e.g. "qwen2vl"; owned by the model handle, valid until edgevl_model_free */
} edgevl_model_info;

/** Writes the model's facts to `*out_info`. EDGEVL_OK or EDGEVL_ERR_INVALID_ARGUMENT (a NULL argument). Any thread. */
EDGEVL_C_API edgevl_status edgevl_model_get_info(const edgevl_model* model, edgevl_model_info* out_info);

/* ---------------------------------------------------------------------------------------------------------------- */
/* Session                                                                                                           */

/** One conversation with a model: owns its KV cache [layers][kv_heads, context_length, head_dim]. A later
 *  edgevl_generate() continues the conversation and prefills only the new turn's tokens. Used by one thread at a time
 *  (generate, reset, getters, free); edgevl_session_cancel() from any thread. */
typedef struct edgevl_session edgevl_session;

/** Creates an empty conversation on `model` and stores it in `*out_session` (free with edgevl_session_free). The
 *  session keeps the model alive: `model` may be freed before the session. EDGEVL_OK, EDGEVL_ERR_INVALID_ARGUMENT
 *  (a NULL argument), EDGEVL_ERR_INTERNAL (out of memory). */
EDGEVL_C_API edgevl_status edgevl_session_create(edgevl_model* model, edgevl_session** out_session);

/** Releases the session (its KV cache, and the model when no other handle holds it). NULL is a no-op. Must not run
 *  while another thread is inside edgevl_generate() or edgevl_session_cancel() on this session: cancel, let the
 *  generate return, then free. */
EDGEVL_C_API void edgevl_session_free(edgevl_session* session);

/** Forgets the conversation (empty KV cache, positions from 0); the next generate starts a new chat. Invalidates the
 *  text and token pointers of the last edgevl_result. EDGEVL_OK or EDGEVL_ERR_INVALID_ARGUMENT (NULL session). Not
 *  while a generate runs on the session. */
EDGEVL_C_API edgevl_status edgevl_session_reset(edgevl_session* session);

/** Asks the edgevl_generate() running on `session` (on another thread, or from its own token callback) to stop: it is
 *  checked between prefill chunks and before every decode step, so at most the token being produced when cancel is
 *  called is still generated; that generate returns EDGEVL_OK with stop reason EDGEVL_STOP_CANCELLED. Cancelled while
 *  decoding, the text so far stays in the conversation; cancelled during the prefill, the conversation is as before the
 *  call. No effect when no generate is running (a cancel does NOT carry over to the next generate). Returns EDGEVL_OK
 *  or EDGEVL_ERR_INVALID_ARGUMENT (NULL session). Any thread; lock-free; does not touch the calling thread's
 *  last-error message unless it fails. */
EDGEVL_C_API edgevl_status edgevl_session_cancel(edgevl_session* session);

/** Tokens of the conversation held in the session's KV cache (0 for a new or reset session; -1 for NULL). Grows by
 *  each turn; a follow-up question prefills only the tokens beyond it. Same thread as generate. */
EDGEVL_C_API int64_t edgevl_session_cached_tokens(const edgevl_session* session);

/* ---------------------------------------------------------------------------------------------------------------- */
/* Requests                                                                                                          */

/** One image of a request: a file path (`path` non-NULL; decoded when the session needs it: PNG, JPEG, BMP, WebP,
 *  TIFF) or a decoded buffer (`path` NULL): interleaved RGB uint8, row-major [height, width, 3], `width * height * 3`
 *  bytes at `rgb` (copied during the call). */
typedef struct edgevl_image {
  const char* path;   /**< image file, or NULL for an RGB buffer */
  const uint8_t* rgb; /**< [height, width, 3] RGB bytes when path is NULL */
  int32_t width;      /**< pixels; > 0 for an RGB buffer, ignored for a file */
  int32_t height;     /**< pixels; > 0 for an RGB buffer, ignored for a file */
} edgevl_image;

/** One user turn: the question `text` about `num_images` images (0 or more). Rendered with the model's chat template,
 *  images before the text. The first turn of a conversation may carry a `system` prompt (NULL or "" = the template's
 *  default system prompt); a later turn must leave it NULL. Zero-initialize it (`= {0}`) and set what you need. */
typedef struct edgevl_request {
  const char* text;           /**< UTF-8 question; NULL or "" allowed only when there is at least one image */
  const edgevl_image* images; /**< array of num_images, NULL when num_images is 0 */
  size_t num_images;
  const char* system; /**< optional system prompt of a new conversation; NULL = default */
  /** false (default): special-token strings typed in `text` and `system` (e.g. "<|im_end|>", "<|image_pad|>") are
   *  ordinary text, so they cannot forge turns; true: they become control tokens, as Hugging Face tokenizers do by
   *  default (edgevl::Request::parse_special_tokens). */
  bool parse_special_tokens;
} edgevl_request;

/* ---------------------------------------------------------------------------------------------------------------- */
/* Generation                                                                                                        */

/** "Use the model's default" (its generation_config.json) for a field of edgevl_generation_params. */
#define EDGEVL_UNSET (-1)

/** Sampling settings of one edgevl_generate() (edgevl::GenerationConfig, Hugging Face generate() semantics: repetition
 *  penalty, then temperature, top-k, top-p, then a draw). Start from edgevl_generation_params_default(), where every
 *  field is EDGEVL_UNSET / empty, i.e. the model's generation_config.json (greedy for the demo model). A field set to a
 *  value out of its range makes edgevl_generate() return EDGEVL_ERR_INVALID_ARGUMENT naming the field. */
typedef struct edgevl_generation_params {
  int32_t max_new_tokens;   /**< >= 1, or EDGEVL_UNSET */
  float temperature;        /**< >= 0 (0 = greedy argmax), or EDGEVL_UNSET */
  int32_t top_k;            /**< >= 0 (0 = off, 1 = greedy), or EDGEVL_UNSET */
  float top_p;              /**< in (0, 1] (1 = off), or EDGEVL_UNSET */
  float repetition_penalty; /**< > 0 (1 = off), or EDGEVL_UNSET */
  int64_t seed;             /**< >= 0: the sampler's seed (same seed + settings + prompt = same text), or EDGEVL_UNSET */
  const char* const* stop;  /**< num_stop UTF-8 stop strings (generation ends when the text contains one; it and what
                                 follows are not returned nor streamed); NULL when num_stop is 0 */
  size_t num_stop;
} edgevl_generation_params;

/** Every field EDGEVL_UNSET, no stop strings. Any thread. */
EDGEVL_C_API edgevl_generation_params edgevl_generation_params_default(void);

/** Receives generated text as it is produced: `len` bytes of valid UTF-8 at `piece` (also NUL-terminated; a piece may
 *  hold several tokens, and a token ending inside a multi-byte character or possibly starting a stop string is sent
 *  later). `piece` is valid only during the call. Return false to stop generation (EDGEVL_STOP_CALLBACK). Runs on the
 *  thread that called edgevl_generate(); it may call edgevl_session_cancel() but no other function on the session. */
typedef bool (*edgevl_token_callback)(const char* piece, size_t len, void* user_data);

/** Why generation stopped (edgevl::StopReason). */
typedef enum edgevl_stop_reason {
  EDGEVL_STOP_EOS = 0,          /**< the model produced an end-of-sequence token */
  EDGEVL_STOP_MAX_TOKENS = 1,   /**< max_new_tokens reached */
  EDGEVL_STOP_CONTEXT_FULL = 2, /**< the context length is full */
  EDGEVL_STOP_STOP_STRING = 3,  /**< the text contains a stop string */
  EDGEVL_STOP_CALLBACK = 4,     /**< the token callback returned false */
  EDGEVL_STOP_CANCELLED = 5,    /**< edgevl_session_cancel() was called */
} edgevl_stop_reason;

/** "eos", "max_tokens", "context_full", "stop_string", "callback", "cancelled"; "unknown" otherwise. Any thread. */
EDGEVL_C_API const char* edgevl_stop_reason_name(edgevl_stop_reason reason);

/** Timings of one edgevl_generate() (edgevl::Stats): milliseconds of wall time, rates in tokens per second (0 when
 *  nothing ran). */
typedef struct edgevl_stats {
  int32_t images;              /**< images in the request */
  double preprocess_ms;        /**< image decode + resize + normalize + patchify, all images */
  double vit_ms;               /**< vision tower runs, all images */
  int64_t prompt_tokens;       /**< conversation length when generation started (cached + new prompt tokens) */
  int64_t prefill_tokens;      /**< tokens prefilled by THIS call (earlier turns come from the KV cache) */
  double prefill_ms;
  double prefill_tokens_per_s;
  double ttft_ms;              /**< from the call to the first generated token (includes image work) */
  int64_t decode_tokens;       /**< generated tokens, including a final eos */
  double decode_ms;
  double decode_tokens_per_s;
  double total_ms;
} edgevl_stats;

/** What edgevl_generate() produced. `text` and `token_ids` are owned by the session and stay valid until the next
 *  edgevl_generate(), edgevl_session_reset() or edgevl_session_free() on that session. */
typedef struct edgevl_result {
  const char* text;           /**< generated UTF-8 text, NUL-terminated (special tokens skipped, stop string excluded);
                                   it equals the concatenation of the pieces given to the callback */
  size_t text_len;            /**< bytes of text, without the NUL */
  const int32_t* token_ids;   /**< num_tokens generated token ids, including an eos that ended generation */
  size_t num_tokens;
  edgevl_stop_reason stop_reason;
  edgevl_stats stats;
} edgevl_result;

/** Runs one turn of the conversation in `session`: checks that the prompt fits the context length (before any image or
 *  graph work), runs the vision tower per image, prefills the new tokens, then decodes token by token, passing text to
 *  `on_token` (NULL = no streaming) with `user_data`. Blocks until generation stops (eos, max_new_tokens, full context,
 *  stop string, callback false, edgevl_session_cancel()). `params` NULL = edgevl_generation_params_default();
 *  `out_result` NULL = not wanted.
 *  Returns EDGEVL_OK (also when stopped by the callback or a cancel: see out_result->stop_reason);
 *  EDGEVL_ERR_INVALID_ARGUMENT (NULL session/request, empty request, an image with neither path nor valid RGB buffer,
 *  a system prompt on a later turn, a params field out of range); EDGEVL_ERR_NOT_FOUND (an image file does not exist);
 *  EDGEVL_ERR_CORRUPT_FILE / EDGEVL_ERR_UNSUPPORTED (an image file cannot be decoded); EDGEVL_ERR_CONTEXT_OVERFLOW (the
 *  conversation + this prompt + 1 token exceed the context length; the message gives the counts);
 *  EDGEVL_ERR_INTERNAL (out of memory, a bug). After an error the conversation is as before the call.
 *  Thread: one generate or reset at a time per session; the callback runs on this thread. */
EDGEVL_C_API edgevl_status edgevl_generate(edgevl_session* session, const edgevl_request* request,
                                           const edgevl_generation_params* params, edgevl_token_callback on_token,
                                           void* user_data, edgevl_result* out_result);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* EDGEVL_EDGEVL_C_H_ */
