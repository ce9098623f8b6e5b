// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.content;

import android.net.Uri;
import java.io.FileNotFoundException;
import java.io.InputStream;

/** Stand-in for android.content.ContentResolver. */
public abstract class ContentResolver {
  public final InputStream openInputStream(Uri uri) throws FileNotFoundException {
    throw new RuntimeException("Stub!");
  }
}
