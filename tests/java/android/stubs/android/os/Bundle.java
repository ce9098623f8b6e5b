// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.os;

/** Stand-in for android.os.Bundle. */
public final class Bundle {}
