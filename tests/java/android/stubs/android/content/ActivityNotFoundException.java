// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.content;

/** Stand-in for android.content.ActivityNotFoundException. */
public class ActivityNotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;
}
