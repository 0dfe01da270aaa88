// Command badmanifest describes itself with a manifest for another ABI and an invalid id.
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
	return answer(`{"ok":true,"result":{"id":"Not A Valid Id","name":"Module de test","version":"one","abi":2,"operations":["describe"]}}`)
}

//go:wasmexport campagnon_categories
func categories(ptr, n int32) int64 {
	return answer(`{"ok":true,"result":{"categories":[{"id":"test","label":"Test","icon":"star","modalities":["resident"],"modes":["free"],"sap":{"eligible":false}}]}}`)
}

//go:wasmexport campagnon_quote
func quote(ptr, n int32) int64 {
	return answer(`{"ok":true,"result":{"currency":"EUR","mode":"free","lines":[{"code":"mileage","label":"Indemnité kilométrique","quantity":10,"unit":"km","amount_cents":300}],"total_cents":300,"subsidy_cents":0,"payable_cents":300,"commission_cents":0,"tax_credit_eligible_cents":0}}`)
}

//go:wasmexport campagnon_payment_modes
func paymentModes(ptr, n int32) int64 {
	return answer(`{"ok":true,"result":{"modes":[{"mode":"free","label":"Gratuit"}]}}`)
}

//go:wasmexport campagnon_validate_listing
func validateListing(ptr, n int32) int64 { return answer(`{"ok":true,"result":{}}`) }

func main() {}
