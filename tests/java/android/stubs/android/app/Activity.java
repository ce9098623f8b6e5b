// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.app;

import android.content.Context;
import android.content.Intent;
import android.os.Bundle;
import android.view.View;

/** Stand-in for android.app.Activity (really a ContextThemeWrapper subclass; only what MainActivity uses). */
public class Activity extends Context {
  public static final int RESULT_OK = -1;

  protected void onCreate(Bundle savedInstanceState) {
    throw new RuntimeException("Stub!");
  }

  protected void onDestroy() {
    throw new RuntimeException("Stub!");
  }

  protected void onActivityResult(int requestCode, int resultCode, Intent data) {
    throw new RuntimeException("Stub!");
  }

  public void setContentView(int layoutResID) {
    throw new RuntimeException("Stub!");
  }

  public <T extends View> T findViewById(int id) {
    throw new RuntimeException("Stub!");
  }

  public void startActivityForResult(Intent intent, int requestCode) {
    throw new RuntimeException("Stub!");
  }

  public final void runOnUiThread(Runnable action) {
    throw new RuntimeException("Stub!");
  }

  @Override
  public java.io.File getFilesDir() {
    throw new RuntimeException("Stub!");
  }

  @Override
  public java.io.File getCacheDir() {
    throw new RuntimeException("Stub!");
  }

  @Override
  public android.content.ContentResolver getContentResolver() {
    throw new RuntimeException("Stub!");
  }
}
