//go:build wasip1

package plugin

import (
	"fmt"
	"unsafe"

	"github.com/campagnon/campagnon/sdk/abi"
)

// The exports of ABI version 1. The host writes an input into the buffer
// campagnon_alloc returns, calls an operation export with its address and
// length, and reads the envelope at the packed address and length the
// export returns. Everything here stays reachable from package variables,
// so Go's garbage collector frees none of it while the host uses it.

// input is the instance's input buffer, grown as needed and reused.
var input []byte

// abiV1 is the version marker: its presence declares ABI version 1.
//
//go:wasmexport campagnon_abi_v1
func abiV1() {}

// alloc returns the address of a buffer of at least size bytes for the
// host to write an input into. The buffer is reused: it stays valid until
// the next alloc.
//
//go:wasmexport campagnon_alloc
func alloc(size int32) int32 {
	if size < 0 {
		panic(fmt.Sprintf("plugin: campagnon_alloc(%d): negative size", size))
	}
	if int(size) > cap(input) || input == nil {
		input = make([]byte, max(int(size), 4096))
	}
	return address(input[:cap(input)])
}

// free is called when the host is done with the input buffer. The buffer
// is kept for the next input (it is at most abi.MaxInputBytes long).
//
//go:wasmexport campagnon_free
func free(ptr, size int32) {}

//go:wasmexport campagnon_describe
func exportDescribe(ptr, size int32) int64 { return serve(abi.OpDescribe, ptr, size) }

//go:wasmexport campagnon_categories
func exportCategories(ptr, size int32) int64 { return serve(abi.OpCategories, ptr, size) }

//go:wasmexport campagnon_quote
func exportQuote(ptr, size int32) int64 { return serve(abi.OpQuote, ptr, size) }

//go:wasmexport campagnon_payment_modes
func exportPaymentModes(ptr, size int32) int64 { return serve(abi.OpPaymentModes, ptr, size) }

//go:wasmexport campagnon_validate_listing
func exportValidateListing(ptr, size int32) int64 {
	return serve(abi.OpValidateListing, ptr, size)
}

// serve runs op on the input at ptr and returns the envelope's address
// (high 32 bits) and length (low 32 bits). A fault traps: its reason goes
// to the host's log, then the export panics, which ends the instance.
func serve(op abi.Op, ptr, size int32) int64 {
	in := registered
	if in == nil {
		trap("plugin fault: " + string(op) + ": no handlers registered: call plugin.Register from an init function")
	}
	if size < 0 || int(size) > cap(input) || ptr != address(input[:cap(input)]) {
		trap(fmt.Sprintf("plugin fault: %s: the input (%d bytes at %#x) is not in the buffer campagnon_alloc returned", op, size, uint32(ptr)))
	}
	out, err := in.callSafe(op, input[:size])
	if err != nil {
		trap(err.Error())
	}
	return int64(address(out))<<32 | int64(len(out))
}

// trap logs why the plugin failed, then panics.
func trap(msg string) {
	Log(abi.LogError, msg)
	panic(msg)
}

// address returns the linear-memory address of b's first byte.
func address(b []byte) int32 {
	return int32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}
