// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.widget;

import android.view.View;

/** Stand-in for android.widget.TextView. */
public class TextView extends View {
  public CharSequence getText() {
    throw new RuntimeException("Stub!");
  }

  public final void setText(CharSequence text) {
    throw new RuntimeException("Stub!");
  }

  public final void append(CharSequence text) {
    throw new RuntimeException("Stub!");
  }
}
