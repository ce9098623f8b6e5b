// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.net;

/** Stand-in for android.net.Uri. */
public abstract class Uri {}
