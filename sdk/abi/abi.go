// Package abi is the contract between the Campagnon host and a territory
// plugin: the names of the WebAssembly exports and imports, the version
// marker, the size limits, and the JSON wire types of every operation.
// It is defined once, here, and used by both sides: the host in
// github.com/campagnon/campagnon/core/pluginhost and guests built with
// github.com/campagnon/campagnon/sdk/plugin. docs/plugin-abi.md is its
// language-neutral description; schema/*.json its JSON Schema.
//
// The package uses the standard library only, so that any integrator can
// depend on it.
package abi

// Version is the ABI major version this package describes. A guest declares
// it by exporting a function named VersionExport; the host refuses a module
// without a marker it supports before running any of its code.
const Version = 1

// VersionExport is the name of the marker export for Version: a function
// that is never called. Its presence is the declaration.
const VersionExport = "campagnon_abi_v1"

// VersionExportPrefix starts every version marker, so that a host can tell
// "wrong version" (campagnon_abi_v2) from "no marker at all".
const VersionExportPrefix = "campagnon_abi_v"

// Memory exports of the guest.
const (
	// ExportMemory is the guest's linear memory.
	ExportMemory = "memory"
	// ExportAlloc is alloc(size i32) -> ptr i32: a buffer of at least size
	// bytes in which the host writes an operation's input. The guest owns it;
	// it stays valid until the next alloc or free on the same instance.
	ExportAlloc = "campagnon_alloc"
	// ExportFree is free(ptr i32, size i32): the host is done with a buffer
	// that alloc returned.
	ExportFree = "campagnon_free"
	// ExportInitialize is the WASI reactor's start function, run once per
	// instance before any other export (Go's -buildmode=c-shared emits it).
	ExportInitialize = "_initialize"
)

// Op names one operation. Each is exported by the guest as a function
// op(in_ptr i32, in_len i32) -> i64 whose result packs the output's
// pointer (high 32 bits) and length (low 32 bits). The output is a JSON
// envelope (Envelope) and stays valid until the next call on the instance.
type Op string

// The operations of ABI version 1.
const (
	// OpDescribe returns the plugin's Manifest. Input: DescribeRequest.
	OpDescribe Op = "describe"
	// OpCategories returns the territory's service categories. Input: CategoriesRequest.
	OpCategories Op = "categories"
	// OpQuote prices one service. Input: QuoteRequest; result: Quote.
	OpQuote Op = "quote"
	// OpPaymentModes lists the payment modes an exchange may use. Input: PaymentModesRequest.
	OpPaymentModes Op = "payment_modes"
	// OpValidateListing accepts or refuses a listing. Input: ValidateListingRequest.
	OpValidateListing Op = "validate_listing"
)

// Ops lists every operation of ABI version 1, in documentation order.
var Ops = []Op{OpDescribe, OpCategories, OpQuote, OpPaymentModes, OpValidateListing}

// Export returns the guest export that implements op, such as "campagnon_quote".
func (op Op) Export() string { return "campagnon_" + string(op) }

// Host imports granted to a guest. Nothing else may be imported, except
// the WASI functions listed in WASIImports.
const (
	// ImportModule is the module name of the host functions.
	ImportModule = "campagnon"
	// ImportLog is log(level i32, ptr i32, len i32): writes a UTF-8 message
	// to the host's log, tagged with the plugin. Rate-limited by the host;
	// messages beyond the limit are dropped and counted.
	ImportLog = "log"
)

// Log levels for ImportLog.
const (
	LogDebug int32 = 0
	LogInfo  int32 = 1
	LogWarn  int32 = 2
	LogError int32 = 3
)

// WASIModule is the module name of the WASI preview 1 functions.
const WASIModule = "wasi_snapshot_preview1"

// WASIImports are the WASI preview 1 functions a guest may import. The
// host provides them locked down: no preopened files, no environment, no
// arguments, no network, a fixed clock (the time of an operation is in its
// input), a deterministic random source, stdout and stderr discarded.
// Go's wasip1 runtime imports a subset of these.
var WASIImports = []string{
	"args_get", "args_sizes_get", "environ_get", "environ_sizes_get",
	"clock_res_get", "clock_time_get", "fd_close", "fd_fdstat_get", "fd_fdstat_set_flags",
	"fd_filestat_get", "fd_prestat_get", "fd_prestat_dir_name", "fd_read", "fd_seek", "fd_write",
	"fd_sync", "path_open", "path_filestat_get", "poll_oneoff", "proc_exit", "random_get", "sched_yield",
}

// Limits the host enforces on every call. An operator may lower them.
const (
	// MaxInputBytes bounds an operation's input.
	MaxInputBytes = 256 << 10
	// MaxOutputBytes bounds an operation's output; a longer claimed length
	// is refused before any byte is read.
	MaxOutputBytes = 256 << 10
	// MaxMemoryPages bounds a guest's linear memory (64 KiB pages): 64 MiB.
	MaxMemoryPages = 1024
)
