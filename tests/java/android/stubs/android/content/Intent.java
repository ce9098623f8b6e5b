// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.content;

import android.net.Uri;

/** Stand-in for android.content.Intent. */
public class Intent {
  public static final String ACTION_GET_CONTENT = "android.intent.action.GET_CONTENT";
  public static final String CATEGORY_OPENABLE = "android.intent.category.OPENABLE";

  public Intent(String action) {
    throw new RuntimeException("Stub!");
  }

  public Intent setType(String type) {
    throw new RuntimeException("Stub!");
  }

  public Intent addCategory(String category) {
    throw new RuntimeException("Stub!");
  }

  public Uri getData() {
    throw new RuntimeException("Stub!");
  }
}
