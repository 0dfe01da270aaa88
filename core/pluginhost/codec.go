package pluginhost

import (
	"encoding/json"
	"fmt"

	"github.com/campagnon/campagnon/sdk/abi"
)

// The wire codec: how the host encodes an operation's input and decodes a
// guest's envelope. The hot operation, quote, uses the SDK's hand-written
// codec (no reflection, appends to a reused buffer, decodes straight from
// guest memory); the others use encoding/json. Each function here is the
// one place to swap when the SDK adds a codec for another operation.

// appendInput appends the JSON of an operation's input to dst.
func appendInput(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, fmt.Errorf("encode input: %w", err)
	}
	return append(dst, b...), nil
}

// appendQuoteRequest appends the JSON of a quote input to dst. It is the
// hot path's encoder.
func appendQuoteRequest(dst []byte, req *abi.QuoteRequest) ([]byte, error) {
	return abi.AppendQuoteRequest(dst, req), nil
}

// decodeEnvelope decodes a guest's output into result, or returns its
// refusal. An output that is not a well-formed envelope, or whose result
// does not decode into result, is an error (a KindMalformedOutput fault
// for the caller). b may alias guest memory: nothing of it is retained.
func decodeEnvelope(b []byte, result any) (*abi.Refusal, error) {
	var env abi.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("output is not a JSON envelope: %w", err)
	}
	if err := env.Check(); err != nil {
		return nil, err
	}
	if !env.OK {
		return env.Refusal, nil
	}
	if err := json.Unmarshal(env.Result, result); err != nil {
		return nil, fmt.Errorf("result does not decode: %w", err)
	}
	return nil, nil
}

// decodeQuoteEnvelope is decodeEnvelope for the hot operation.
func decodeQuoteEnvelope(b []byte, q *abi.Quote) (*abi.Refusal, error) {
	ref, err := abi.DecodeQuoteEnvelope(b, q)
	if err != nil {
		return nil, err
	}
	if ref != nil {
		if err := ref.Check(); err != nil {
			return nil, err
		}
	}
	return ref, nil
}

// checkRawEnvelope checks that b is a well-formed envelope without
// decoding its result; it serves Module.Call.
func checkRawEnvelope(b []byte) error {
	var env abi.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("output is not a JSON envelope: %w", err)
	}
	return env.Check()
}
