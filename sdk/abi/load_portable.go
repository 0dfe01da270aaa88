//go:build !(wasm || amd64 || arm64 || 386 || ppc64le)

package abi

import "encoding/binary"

// loadLE returns the 8 bytes of b at i as a little-endian word.
func loadLE(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i:]) }

// sloadLE returns the 8 bytes of s at i as a little-endian word.
func sloadLE(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// storeLE writes v at b[i:i+8], little-endian.
func storeLE(b []byte, i int, v uint64) { binary.LittleEndian.PutUint64(b[i:], v) }

// load4LE returns the words of b at the four offsets, little-endian; the
// caller guarantees o3 is the largest offset.
func load4LE(b []byte, o0, o1, o2, o3 int) (uint64, uint64, uint64, uint64) {
	return loadLE(b, o0), loadLE(b, o1), loadLE(b, o2), loadLE(b, o3)
}
