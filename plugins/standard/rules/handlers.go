package rules

import (
	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

// Operations lists the operations every plugin built on these rules implements.
var Operations = []string{
	string(abi.OpDescribe), string(abi.OpCategories), string(abi.OpQuote),
	string(abi.OpPaymentModes), string(abi.OpValidateListing),
}

// Handlers returns the plugin handlers of a territory plugin built on the
// standard rules: its manifest, its embedded default configuration and its
// extension in o. The configuration is compiled once per configuration
// hash (ParseConfig); every operation then reads the compiled Policy.
func Handlers(m abi.Manifest, o Options) plugin.Handlers {
	return plugin.Handlers{
		Manifest:    m,
		ParseConfig: func(raw []byte) (any, error) { return Compile(raw, o) },
		Categories: func(c *plugin.Ctx) (*abi.Categories, error) {
			return c.Config.(*Policy).Categories(), nil
		},
		Quote: func(c *plugin.Ctx, r *abi.QuoteRequest) (*abi.Quote, error) {
			// The quote is built in the instance's buffer, reused from call
			// to call: the SDK encodes it before the next call.
			buf, _ := c.Scratch.(*quoteBuf)
			if buf == nil {
				buf = new(quoteBuf)
				c.Scratch = buf
			}
			q, err := c.Config.(*Policy).quote(c.Now, r, buf)
			return q, sdkError(err)
		},
		PaymentModes: func(c *plugin.Ctx, r *abi.PaymentModesRequest) (*abi.PaymentModes, error) {
			pm, err := c.Config.(*Policy).PaymentModes(c.Now, r)
			return pm, sdkError(err)
		},
		ValidateListing: func(c *plugin.Ctx, r *abi.ValidateListingRequest) (*abi.ListingVerdict, error) {
			v, err := c.Config.(*Policy).ValidateListing(c.Now, r)
			return v, sdkError(err)
		},
	}
}

// sdkError turns a Refusal into the SDK's business refusal, built with it
// (a type assertion, not errors.As: the rules never wrap a Refusal, and
// reflection is costly inside WebAssembly).
func sdkError(err error) error {
	if r, ok := err.(*Refusal); ok {
		return r.sdk
	}
	return err
}
