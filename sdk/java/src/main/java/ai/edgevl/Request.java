package ai.edgevl;

import java.util.ArrayList;
import java.util.List;

/**
 * One user turn of a conversation: a question about zero or more images, each an image file (PNG, JPEG, BMP, WebP,
 * TIFF; decoded natively when the session needs it) or decoded RGB bytes. Images are placed before the text, as the
 * Qwen2-VL chat template renders them. Not thread-safe while being built; {@link Session#generate} reads it once.
 *
 * <pre>{@code
 * Request r = Request.user("Describe the image.").addImage("/data/scene.jpg");
 * }</pre>
 */
public final class Request {
  private final String text;
  private String system;
  private boolean parseSpecialTokens;
  private final List<String> imagePaths = new ArrayList<>();
  private final List<byte[]> imageRgb = new ArrayList<>();
  private final List<int[]> imageSizes = new ArrayList<>();

  private Request(String text) {
    this.text = text;
  }

  /** A user turn with this question (null or "" only when an image is added). */
  public static Request user(String text) {
    return new Request(text);
  }

  /** Adds an image file; a missing file fails {@link Session#generate} with {@link ErrorCode#NOT_FOUND}. */
  public Request addImage(String path) {
    imagePaths.add(path);
    imageRgb.add(null);
    imageSizes.add(new int[] {0, 0});
    return this;
  }

  /**
   * Adds a decoded image: interleaved RGB bytes, row-major [height, width, 3], {@code width * height * 3} bytes (read
   * by {@link Session#generate}, not copied here). A wrong size fails generate with {@link ErrorCode#INVALID_ARGUMENT}.
   */
  public Request addImage(byte[] rgb, int width, int height) {
    imagePaths.add(null);
    imageRgb.add(rgb);
    imageSizes.add(new int[] {width, height});
    return this;
  }

  /**
   * A system prompt for the FIRST turn of a conversation (instead of the template's default one); on a later turn it
   * fails generate with {@link ErrorCode#INVALID_ARGUMENT}.
   */
  public Request system(String systemPrompt) {
    this.system = systemPrompt;
    return this;
  }

  /**
   * Whether special-token strings typed in the text and the system prompt (e.g. {@code <|im_end|>},
   * {@code <|image_pad|>}) become control tokens, as Hugging Face tokenizers do by default. Off by default: they are
   * ordinary text, so user text cannot forge turns of the conversation (edgevl::Request::parse_special_tokens).
   */
  public Request parseSpecialTokens(boolean parse) {
    this.parseSpecialTokens = parse;
    return this;
  }

  public boolean parsesSpecialTokens() {
    return parseSpecialTokens;
  }

  public String text() {
    return text;
  }

  public int imageCount() {
    return imagePaths.size();
  }

  // Flattened views for the JNI call.
  String systemPrompt() {
    return system;
  }

  String[] paths() {
    return imagePaths.toArray(new String[0]);
  }

  byte[][] rgbs() {
    return imageRgb.toArray(new byte[0][]);
  }

  int[] widths() {
    int[] w = new int[imageSizes.size()];
    for (int i = 0; i < w.length; i++) w[i] = imageSizes.get(i)[0];
    return w;
  }

  int[] heights() {
    int[] h = new int[imageSizes.size()];
    for (int i = 0; i < h.length; i++) h[i] = imageSizes.get(i)[1];
    return h;
  }
}
