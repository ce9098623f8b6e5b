// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.widget;

import android.view.View;

/** Stand-in for android.widget.ScrollView (really a FrameLayout). */
public class ScrollView extends View {
  public boolean fullScroll(int direction) {
    throw new RuntimeException("Stub!");
  }
}
