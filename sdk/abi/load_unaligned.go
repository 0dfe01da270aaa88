//go:build wasm || amd64 || arm64 || 386 || ppc64le

package abi

import "unsafe"

// On these little-endian architectures an unaligned 8-byte load is one
// instruction (on wasm, one i64.load); the explicit index of the last byte
// keeps it inside the slice or string.

// loadLE returns the 8 bytes of b at i as a little-endian word.
func loadLE(b []byte, i int) uint64 {
	_ = b[i+7]
	return *(*uint64)(unsafe.Pointer(&b[i]))
}

// sloadLE returns the 8 bytes of s at i as a little-endian word.
func sloadLE(s string, i int) uint64 {
	_ = s[i+7]
	return *(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i))
}

// storeLE writes v at b[i:i+8], little-endian.
func storeLE(b []byte, i int, v uint64) {
	_ = b[i+7]
	*(*uint64)(unsafe.Pointer(&b[i])) = v
}

// load4LE returns the words of b at the four offsets, little-endian; the
// caller guarantees o3 is the largest offset. One bounds check covers all.
func load4LE(b []byte, o0, o1, o2, o3 int) (uint64, uint64, uint64, uint64) {
	_ = b[o3+7]
	p := unsafe.Pointer(unsafe.SliceData(b))
	return *(*uint64)(unsafe.Add(p, o0)), *(*uint64)(unsafe.Add(p, o1)), *(*uint64)(unsafe.Add(p, o2)), *(*uint64)(unsafe.Add(p, o3))
}
