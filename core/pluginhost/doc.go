// Package pluginhost runs territory plugins — WebAssembly modules that
// follow the ABI of github.com/campagnon/campagnon/sdk/abi — without
// trusting them. It is the only package of Campagnon that imports wazero.
//
// # Use
//
//	h, err := pluginhost.New(ctx, pluginhost.Config{CacheDir: dir}, logger)
//	m, err := h.Load(ctx, wasm, signature) // checks, compiles once, starts, reads the manifest
//	slots := pluginhost.NewSlots()
//	slots.Set("portes-de-sologne", m)       // hot replacement: Set again with the new module
//	m, release, err := slots.Get("portes-de-sologne")
//	q, err := m.Quote(ctx, &req)             // *abi.Quote, checked against req
//	release()
//
// Every stored decision records the plugin's id and version
// (Module.Manifest) and its hash (Module.Hash).
//
// # What a plugin cannot do
//
// Load refuses, before running any guest code, bytes that are not
// WebAssembly, a module for another ABI or without the version marker, a
// missing or mistyped export, any import other than campagnon.log and the
// granted WASI functions, an initial memory above the cap, a module above
// the size bound, and a bad signature (required when the configuration
// says so). A module is compiled once per distinct content (SHA-256); with
// Config.CacheDir the compiled code survives restarts.
//
// At run time each instance has its own memory, capped at
// Config.MaxMemoryPages; WASI without files, environment, arguments,
// network or real clock (the time of an operation is in its input), a
// deterministic random source and stdout discarded (the end of stderr is
// kept for the operator's log of a fault). Every call runs under a
// deadline (Config.CallTimeout) with wazero's WithCloseOnContextDone, so a
// looping guest is stopped and its instance closed. The input's size is
// checked before the call, the output's claimed length before any byte is
// read, and its bounds against the guest's memory.
//
// # Faults, refusals and cut-off
//
// A trap, a Go panic, an exit, a timeout, a refused memory growth, an
// oversized or out-of-bounds output, output that is not a JSON envelope
// and a result that fails its Check (negative price, totals that do not
// add up, wrong currency, …) are faults: the call fails with a typed
// *Error (match it with errors.Is(err, ErrTimeout) and so on; its
// PublicMessage is French and English), the instance is discarded and
// replaced on demand, and the host keeps serving. A plugin's business
// refusal ("ok":false) is not a fault: it is a *RefusalError carrying the
// plugin's French message. Config.FaultLimit faults within
// Config.FaultWindow cut the module off for Config.Cooldown: every call
// then fails at once with KindCutOff and a message for the territory
// admin, and the host logs the cut-off.
//
// # Instances and the configuration protocol
//
// Each module has a bounded pool of instances (Config.MaxInstances; a Go
// guest is not re-entrant, so an instance serves one call at a time),
// shared by every territory bound to the module. A call waits, bounded by
// its context, when all are busy. Instances idle longer than
// Config.IdleTimeout are closed, one is kept warm. A territory's
// configuration (Context.Config) is sent to an instance only the first
// time that instance sees its ConfigHash; a guest that dropped it answers
// abi.RefusalConfigRequired and the host sends it again, once.
//
// # Speed
//
// A warm call costs the host one pooled instance, a deadline, the input
// encoded into a reused buffer and copied into a reused guest buffer, and
// the output decoded straight from guest memory. Nothing is compiled or
// instantiated on a request path except when the pool grows or replaces a
// discarded instance.
package pluginhost
