// Package archtest holds the test that enforces docs/architecture.md: which
// package of the module may import which, and which packages alone may import
// a given third-party library. It has no code of its own.
package archtest
