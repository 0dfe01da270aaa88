// Command hostile is a test guest that misbehaves on demand: the category
// of a quote request picks the misbehaviour. It uses raw exports and no
// encoding/json, so that it can break every rule of the ABI.
package main

import (
	"bytes"
	"os"
	"runtime/debug"
	"unsafe"
)

var (
	inBuf  []byte
	outBuf []byte
	hoard  [][]byte
	sink   int
)

func ptrOf(b []byte) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

func pack(b []byte) int64 { return int64(ptrOf(b))<<32 | int64(len(b)) }

func answer(s string) int64 {
	outBuf = []byte(s)
	return pack(outBuf)
}

//go:wasmimport campagnon log
func hostLog(level int32, ptr, n uint32)

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
	return answer(`{"ok":true,"result":{"id":"test.hostile","name":"Module hostile","version":"0.6.6","abi":1,"operations":["describe","categories","quote","payment_modes","validate_listing"]}}`)
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
func validateListing(ptr, n int32) int64 {
	return answer(`{"ok":true,"result":{}}`)
}

const okQuote = `{"ok":true,"result":{"currency":"EUR","mode":"free","lines":[{"code":"mileage","label":"Indemnité kilométrique","quantity":10,"unit":"km","amount_cents":300}],"total_cents":300,"subsidy_cents":0,"payable_cents":300,"commission_cents":0,"tax_credit_eligible_cents":0}}`

func recurse(n int) int {
	var frame [4096]byte
	frame[n%4096] = byte(n)
	return recurse(n+1) + int(frame[(n+1)%4096])
}

//go:wasmexport campagnon_quote
func quote(ptr, n int32) int64 {
	in := unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), n)
	i := bytes.Index(in, []byte(`"category":"`))
	if i < 0 {
		return answer(`{"ok":false,"refusal":{"code":"no_category","message":"Pas de catégorie."}}`)
	}
	rest := in[i+len(`"category":"`):]
	mode := string(rest[:bytes.IndexByte(rest, '"')])
	switch mode {
	case "ok":
		return answer(okQuote)
	case "loop":
		for {
			sink++
		}
	case "recurse":
		return int64(recurse(0))
	case "grow":
		for {
			hoard = append(hoard, make([]byte, 1<<20))
		}
	case "huge":
		outBuf = []byte(okQuote)
		return int64(ptrOf(outBuf))<<32 | 1<<30
	case "outside":
		outside := uint64(0xFFFF0000)<<32 | 64
		return int64(outside)
	case "not-json":
		return answer(`this is not JSON at all`)
	case "not-envelope":
		return answer(`{"hello":"world"}`)
	case "negative":
		return answer(`{"ok":true,"result":{"currency":"EUR","mode":"free","lines":[{"code":"labour","label":"Main-d'œuvre","quantity":60,"unit":"minute","amount_cents":-500}],"total_cents":-500,"subsidy_cents":0,"payable_cents":-500,"commission_cents":0,"tax_credit_eligible_cents":0}}`)
	case "bad-total":
		return answer(`{"ok":true,"result":{"currency":"EUR","mode":"free","lines":[{"code":"mileage","label":"Indemnité kilométrique","quantity":10,"unit":"km","amount_cents":300}],"total_cents":900,"subsidy_cents":0,"payable_cents":900,"commission_cents":0,"tax_credit_eligible_cents":0}}`)
	case "currency":
		return answer(`{"ok":true,"result":{"currency":"USD","mode":"free","lines":[{"code":"mileage","label":"Mileage","quantity":10,"unit":"km","amount_cents":300}],"total_cents":300,"subsidy_cents":0,"payable_cents":300,"commission_cents":0,"tax_credit_eligible_cents":0}}`)
	case "unreachable":
		debug.SetTraceback("crash")
		panic("hostile: crash on purpose")
	case "panic":
		panic("hostile: panic on purpose")
	case "exit":
		os.Exit(3)
	case "log-spam":
		msg := []byte("spam")
		for i := 0; i < 1000; i++ {
			hostLog(1, ptrOf(msg), uint32(len(msg)))
		}
		hostLog(1, ptrOf(msg), 1<<30) // claims 1 GiB: read bounded
		hostLog(1, 0xFFFFFF00, 200)   // outside memory: dropped
		return answer(okQuote)
	case "refuse":
		return answer(`{"ok":false,"refusal":{"code":"not_here","message":"Pas sur ce territoire."}}`)
	case "bad-refusal":
		return answer(`{"ok":false,"refusal":{"code":"","message":""}}`)
	case "config-loop":
		return answer(`{"ok":false,"refusal":{"code":"config_required","message":"Configuration requise."}}`)
	}
	return answer(`{"ok":false,"refusal":{"code":"unknown_mode","message":"Mode inconnu."}}`)
}

func main() {}
