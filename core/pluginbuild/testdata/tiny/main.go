// Command tiny is the smallest module pluginbuild can build: one export.
package main

//go:wasmexport campagnon_abi_v1
func marker() {}

func main() {}
