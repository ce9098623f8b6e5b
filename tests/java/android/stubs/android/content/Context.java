// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.content;

import java.io.File;

/** Stand-in for android.content.Context. */
public abstract class Context {
  public abstract File getFilesDir();

  public abstract File getCacheDir();

  public abstract ContentResolver getContentResolver();

  public final String getString(int resId) {
    throw new RuntimeException("Stub!");
  }

  public final String getString(int resId, Object... formatArgs) {
    throw new RuntimeException("Stub!");
  }
}
