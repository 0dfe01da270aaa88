package api

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/logging"
	"github.com/campagnon/campagnon/core/mediation"
	"github.com/campagnon/campagnon/core/privacy"
	"github.com/campagnon/campagnon/core/territory"
)

// peopleHandler serves what concerns people in a territory: members and
// their roles, policies, the audit logs, mediation, and each person's own
// data (export, erasure) and API tokens.
type peopleHandler struct {
	accounts    *account.Service
	authz       *authz.Enforcer
	territories *territory.Service
	mediation   *mediation.Service
	privacy     *privacy.Service
	auth        authHandler
}

// territoryOf resolves the route's territory (active ones only).
func (h peopleHandler) territoryOf(c *fiber.Ctx) (*territory.Territory, error) {
	return h.territories.Lookup(c.UserContext(), c.Params("territory"), false)
}

// authzError turns an error of core/authz into an answer.
func authzError(err error) error {
	switch {
	case errors.Is(err, authz.ErrDenied):
		return apperr.Wrap(err, apperr.KindForbidden, "change_not_allowed",
			"Ce changement dépasse vos droits : un administrateur de territoire ne change que les droits de son territoire, sans élargir les siens ni toucher aux rôles nationaux.",
			"This change is beyond your rights: a territory administrator changes only their territory's rights, without widening their own or touching national roles.")
	case errors.Is(err, authz.ErrInvalid):
		return apperr.Wrap(err, apperr.KindInvalid, "authz_invalid",
			fmt.Sprintf("Valeur refusée : un rôle parmi %v, un objet et une action en lettres minuscules (par exemple listing et create).", authz.Roles),
			fmt.Sprintf("Value refused: a role among %v, an object and an action in lower-case letters (such as listing and create).", authz.Roles))
	}
	return err
}

// limitParam reads the "limit" query parameter, 1 to max, def when absent.
func limitParam(c *fiber.Ctx, def, max int) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, apperr.New(apperr.KindInvalid, "limit_invalid",
			fmt.Sprintf("Le paramètre limit va de 1 à %d.", max), fmt.Sprintf("The limit parameter is 1 to %d.", max))
	}
	return n, nil
}

// recordAccess appends the staff read of subjects' personal data to the log.
func (h peopleHandler) recordAccess(c *fiber.Ctx, what string, subjects ...string) error {
	staff, _ := actorOf(c)
	return h.privacy.RecordAccess(c.UserContext(), privacy.Access{StaffID: staff, Territory: c.Params("territory"),
		What: what, RequestID: logging.RequestID(c.UserContext())}, subjects...)
}

// membership answers GET /t/{territory}/membership: the caller's roles there.
func (h peopleHandler) membership(c *fiber.Ctx) error {
	actor, mediator := actorOf(c)
	roles, err := h.authz.RolesFor(actor, c.Params("territory"))
	if err != nil {
		return authzError(err)
	}
	return c.JSON(fiber.Map{"territory": c.Params("territory"), "account_id": actor, "roles": roles, "mediator_id": mediator})
}

// memberView is what staff see of a member.
type memberView struct {
	*account.Account
	Roles []string `json:"roles"`
}

func (h peopleHandler) view(c *fiber.Ctx, a *account.Account) (memberView, error) {
	roles, err := h.authz.RolesFor(a.ID, c.Params("territory"))
	if err != nil {
		return memberView{}, authzError(err)
	}
	return memberView{Account: a, Roles: roles}, nil
}

// members answers GET /t/{territory}/members?q=&limit=: staff (mediators,
// territory admins) find members; every member shown is a logged read.
func (h peopleHandler) members(c *fiber.Ctx) error {
	t, err := h.territoryOf(c)
	if err != nil {
		return err
	}
	limit, err := limitParam(c, 50, account.MaxMembersPage)
	if err != nil {
		return err
	}
	list, err := h.accounts.Members(c.UserContext(), t.ID, c.Query("q"), limit)
	if err != nil {
		return err
	}
	out := make([]memberView, 0, len(list))
	ids := make([]string, 0, len(list))
	for i := range list {
		v, err := h.view(c, &list[i])
		if err != nil {
			return err
		}
		out, ids = append(out, v), append(ids, list[i].ID)
	}
	if len(ids) > 0 {
		if err := h.recordAccess(c, "members.list", ids...); err != nil {
			return err
		}
	}
	return c.JSON(fiber.Map{"members": out, "count": len(out)})
}

// member answers GET /t/{territory}/members/{id}, a logged read; a member
// of another territory is not found.
func (h peopleHandler) member(c *fiber.Ctx) error {
	t, err := h.territoryOf(c)
	if err != nil {
		return err
	}
	a, err := h.accounts.Member(c.UserContext(), t.ID, c.Params("id"))
	if err != nil {
		return err
	}
	v, err := h.view(c, a)
	if err != nil {
		return err
	}
	if err := h.recordAccess(c, "members.show", a.ID); err != nil {
		return err
	}
	return c.JSON(v)
}

// roleInput is the body of POST /t/{territory}/roles.
type roleInput struct {
	AccountID string `json:"account_id"`
	Role      string `json:"role"`
}

func (h peopleHandler) grantRole(c *fiber.Ctx) error {
	var in roleInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	return h.changeRole(c, in.AccountID, in.Role, true)
}

func (h peopleHandler) revokeRole(c *fiber.Ctx) error {
	return h.changeRole(c, c.Params("account"), c.Params("role"), false)
}

// changeRole gives or takes a role in the route's territory (Actions.ChangeRole).
func (h peopleHandler) changeRole(c *fiber.Ctx, accountID, role string, add bool) error {
	actor, _ := actorOf(c)
	if err := h.auth.actions.ChangeRole(c.UserContext(), actor, accountID, role, c.Params("territory"), add); err != nil {
		return err
	}
	roles, err := h.authz.RolesFor(accountID, c.Params("territory"))
	if err != nil {
		return authzError(err)
	}
	return c.JSON(fiber.Map{"account_id": accountID, "territory": c.Params("territory"), "roles": roles})
}

func (h peopleHandler) policies(c *fiber.Ctx) error {
	ps, err := h.authz.Policies(c.Params("territory"))
	if err != nil {
		return authzError(err)
	}
	return c.JSON(fiber.Map{"policies": ps, "count": len(ps)})
}

// policyInput is the body of POST /t/{territory}/policies.
type policyInput struct {
	Role   string `json:"role"`
	Object string `json:"object"`
	Action string `json:"action"`
}

func (h peopleHandler) addPolicy(c *fiber.Ctx) error {
	var in policyInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	return h.changePolicy(c, in, true)
}

func (h peopleHandler) removePolicy(c *fiber.Ctx) error {
	return h.changePolicy(c, policyInput{Role: c.Params("role"), Object: c.Params("object"), Action: c.Params("action")}, false)
}

// changePolicy adds or removes a policy of the route's territory: territory
// admins edit their own territory's, national operators any.
func (h peopleHandler) changePolicy(c *fiber.Ctx, in policyInput, add bool) error {
	actor, _ := actorOf(c)
	change := h.authz.RemovePolicy
	if add {
		change = h.authz.AddPolicy
	}
	if err := change(c.UserContext(), actor, in.Role, c.Params("territory"), in.Object, in.Action); err != nil {
		return authzError(err)
	}
	return h.policies(c)
}

// audit answers GET /t/{territory}/audit: the changes of roles and policies
// and the staff reads of personal data made in the territory.
func (h peopleHandler) audit(c *fiber.Ctx) error {
	limit, err := limitParam(c, 100, 1000)
	if err != nil {
		return err
	}
	changes, err := h.authz.Audit(c.UserContext(), c.Params("territory"), limit)
	if err != nil {
		return authzError(err)
	}
	reads, err := h.privacy.AccessesIn(c.UserContext(), c.Params("territory"), limit)
	if err != nil {
		return err
	}
	if changes == nil {
		changes = []authz.AuditEntry{}
	}
	return c.JSON(fiber.Map{"changes": changes, "staff_access": reads})
}

// recordConsent answers POST /t/{territory}/mediation/consents: a mediator
// records the consent a resident of the territory gave them.
func (h peopleHandler) recordConsent(c *fiber.Ctx) error {
	var in mediation.ConsentInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	t, err := h.territoryOf(c)
	if err != nil {
		return err
	}
	mediator, _ := actorOf(c)
	consent, err := h.auth.actions.RecordConsent(c.UserContext(), t, mediator, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(consent)
}

// mediatorRecord answers GET /t/{territory}/mediation: the consents the
// caller received and the actions they took.
func (h peopleHandler) mediatorRecord(c *fiber.Ctx) error {
	mediator, _ := actorOf(c)
	r, err := h.mediation.ForMediator(c.UserContext(), mediator)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// myMediation answers GET /me/mediation: the consents the signed-in person
// gave and every action done for them.
func (h peopleHandler) myMediation(c *fiber.Ctx) error {
	r, err := h.mediation.ForResident(c.UserContext(), sessionOf(c).Account.ID)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (h peopleHandler) revokeConsent(c *fiber.Ctx) error {
	consent, err := h.mediation.Revoke(c.UserContext(), sessionOf(c).Account.ID, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(consent)
}

// myData answers GET /me/data: the signed-in person's data as JSON, to
// keep (RGPD art. 15 and 20).
func (h peopleHandler) myData(c *fiber.Ctx) error {
	e, err := h.privacy.Export(c.UserContext(), sessionOf(c).Account.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="campagnon-mes-donnees.json"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(e)
}

// eraseInput is the body of POST /me/erase.
type eraseInput struct {
	Password string `json:"password"`
	// Confirm must be "SUPPRIMER" (or "ERASE"): erasure cannot be undone.
	Confirm string `json:"confirm"`
}

// erase answers POST /me/erase: the signed-in person erases their account
// (RGPD art. 17), confirming with their password.
func (h peopleHandler) erase(c *fiber.Ctx) error {
	var in eraseInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	if err := h.auth.actions.Erase(c.UserContext(), sessionOf(c).Account.ID, in.Password, in.Confirm); err != nil {
		return err
	}
	h.auth.clearCookie(c)
	return c.JSON(fiber.Map{"erased": true,
		"message":    "Votre compte et vos données personnelles ont été supprimés. L'historique de vos échanges reste chez les autres membres sous la mention « Compte supprimé ».",
		"message_en": "Your account and your personal data were erased. Other members' history of your exchanges shows \"Compte supprimé\" (account erased)."})
}

// professional answers GET /t/{territory}/professionals/{id}: the public
// profile that marks an offer as a professional's.
func (h peopleHandler) professional(c *fiber.Ctx) error {
	t, err := h.territoryOf(c)
	if err != nil {
		return err
	}
	p, err := h.accounts.Professional(c.UserContext(), t.ID, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// tokenInput is the body of POST /auth/tokens.
type tokenInput struct {
	// Scope lists "object:action" entries, such as "rules:quote,rules:read".
	Scope string `json:"scope"`
	// Days is the token's life, 1 to 366.
	Days int `json:"days"`
}

func (h peopleHandler) createToken(c *fiber.Ctx) error {
	var in tokenInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	plain, tok, err := h.accounts.CreateAPIToken(c.UserContext(), sessionOf(c).Account.ID, in.Scope, time.Duration(in.Days)*24*time.Hour)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": plain, "info": tok,
		"message": "Copiez ce jeton maintenant : il ne sera plus jamais affiché.", "message_en": "Copy this token now: it will never be shown again."})
}

func (h peopleHandler) tokens(c *fiber.Ctx) error {
	ts, err := h.accounts.APITokens(c.UserContext(), sessionOf(c).Account.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tokens": ts})
}

func (h peopleHandler) revokeToken(c *fiber.Ctx) error {
	if err := h.accounts.RevokeAPIToken(c.UserContext(), sessionOf(c).Account.ID, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
