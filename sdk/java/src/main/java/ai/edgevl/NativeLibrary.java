package ai.edgevl;

/**
 * Loads the JNI library {@code libedgevl_jni.so} once. On Android it comes from the APK (System.loadLibrary); on a
 * host the system property {@code edgevl.library.path} may name the file (System.load), else java.library.path is
 * searched.
 */
final class NativeLibrary {
  private static boolean loaded;

  private NativeLibrary() {}

  static synchronized void load() {
    if (loaded) return;
    String file = System.getProperty("edgevl.library.path");
    if (file != null && !file.isEmpty()) {
      System.load(file);
    } else {
      System.loadLibrary("edgevl_jni");
    }
    loaded = true;
  }
}
