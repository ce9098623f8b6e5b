// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.widget;

import android.net.Uri;
import android.view.View;

/** Stand-in for android.widget.ImageView. */
public class ImageView extends View {
  public void setImageURI(Uri uri) {
    throw new RuntimeException("Stub!");
  }
}
