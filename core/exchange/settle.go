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
// limits enforced (a confirmation past the seeker's floor is refused with
// the balance and the floor, and nothing moves). The other modes are paid
// outside the platform, which records and guides them.
type LedgerSettler struct {
	Ledger *ledger.Service
	// Limits are the territory's bounds on balances.
	Limits ledger.Limits
}

// SettleTx implements Settler.
func (s LedgerSettler) SettleTx(ctx context.Context, tx bun.Tx, x *Exchange) error {
	if x.Mode != abi.ModeTimeCredits || x.TimeCreditMinutes <= 0 {
		return nil
	}
	_, err := s.Ledger.TransferTx(ctx, tx, ledger.TransferInput{TerritoryID: x.TerritoryID, Kind: ledger.KindExchange,
		From: x.SeekerID, To: x.ProviderID, Minutes: int64(x.TimeCreditMinutes), Reference: x.ID,
		Memo: "Échange confirmé", Actor: "system:exchange", Idempotency: "exchange:" + x.ID}, s.Limits)
	return err
}
