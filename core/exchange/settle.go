package exchange

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/ledger"
	"github.com/campagnon/campagnon/sdk/abi"
)

// LedgerSettler settles confirmed exchanges in their confirming
// transaction: an exchange in time credits moves the frozen quote's minutes
// from the seeker to the provider in the territory's ledger, with the
// limits of the territory's plugin enforced (a confirmation past the seeker's floor is refused with
// the balance and the floor, and nothing moves). The other modes are paid
// outside the platform, which records and guides them.
type LedgerSettler struct {
	Ledger *ledger.Service
	// Policy returns the time-credit policy of a territory's plugin (nil:
	// the ledger's defaults); core/rules.Service.TimeCredits.
	Policy func(ctx context.Context, territoryID string) (*abi.TimeCreditPolicy, error)
}

// SettleTx implements Settler.
func (s LedgerSettler) SettleTx(ctx context.Context, tx bun.Tx, x *Exchange, part string) error {
	if x.Mode != abi.ModeTimeCredits || x.TimeCreditMinutes <= 0 {
		return nil
	}
	key, memo := "exchange:"+x.ID, "Échange confirmé"
	if part != "" {
		key, memo = key+":"+part, "Mois "+part+" d'un accord régulier confirmé"
	}
	p, err := s.Policy(ctx, x.TerritoryID)
	if err != nil {
		return err
	}
	_, err = s.Ledger.TransferTx(ctx, tx, ledger.TransferInput{TerritoryID: x.TerritoryID, Kind: ledger.KindExchange,
		From: x.SeekerID, To: x.ProviderID, Minutes: int64(x.TimeCreditMinutes), Reference: x.ID,
		Memo: memo, Actor: "system:exchange", Idempotency: key}, ledger.LimitsOf(p))
	return err
}
