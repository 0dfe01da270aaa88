// Command noexport lacks the campagnon_quote export.
package main

import "unsafe"

var inBuf, outBuf []byte

func ptrOf(b []byte) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

func answer(s string) int64 {
	outBuf = []byte(s)
	return int64(ptrOf(outBuf))<<32 | int64(len(outBuf))
}

//go:wasmexport campagnon_abi_v1
func abiMarker() {}

//go:wasmexport campagnon_alloc
func alloc(size int32) int32 {
	inBuf = make([]byte, size)
	return int32(ptrOf(inBuf))
}

//go:wasmexport campagnon_free
func free(ptr, size int32) { inBuf = nil }

//go:wasmexport campagnon_describe
func describe(ptr, n int32) int64 {
	return answer(`{"ok":true,"result":{"id":"test.noexport","name":"Module de test","version":"1.0.0","abi":1,"operations":["describe","categories","quote","payment_modes","validate_listing"]}}`)
}

//go:wasmexport campagnon_categories
func categories(ptr, n int32) int64 {
	return answer(`{"ok":true,"result":{"categories":[{"id":"test","label":"Test","icon":"star","modalities":["resident"],"modes":["free"],"sap":{"eligible":false}}]}}`)
}

//go:wasmexport campagnon_payment_modes
func paymentModes(ptr, n int32) int64 {
	return answer(`{"ok":true,"result":{"modes":[{"mode":"free","label":"Gratuit"}]}}`)
}

//go:wasmexport campagnon_validate_listing
func validateListing(ptr, n int32) int64 { return answer(`{"ok":true,"result":{}}`) }

func main() {}
