package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/sdk/abi"
)

// rulesHandler serves a territory's rules: categories, payment modes,
// quotes and listing checks, all computed by the territory's plugin.
type rulesHandler struct {
	svc *rules.Service
}

func (h rulesHandler) info(c *fiber.Ctx) error {
	info, err := h.svc.Info(c.UserContext(), c.Params("territory"))
	if err != nil {
		return err
	}
	return c.JSON(info)
}

func (h rulesHandler) categories(c *fiber.Ctx) error {
	cats, err := h.svc.Categories(c.UserContext(), c.Params("territory"))
	if err != nil {
		return err
	}
	return c.JSON(cats)
}

func (h rulesHandler) paymentModes(c *fiber.Ctx) error {
	providerSAP := false
	if v := c.Query("provider_sap"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return apperr.New(apperr.KindInvalid, "provider_sap_invalid",
				"Le paramètre provider_sap vaut true ou false.", "The provider_sap parameter is true or false.")
		}
		providerSAP = b
	}
	modes, err := h.svc.PaymentModes(c.UserContext(), c.Params("territory"), rules.PaymentModesInput{
		Category: c.Query("category"), Modality: c.Query("modality", abi.ModalityResident), ProviderSAP: providerSAP,
	})
	if err != nil {
		return err
	}
	return c.JSON(modes)
}

func (h rulesHandler) quote(c *fiber.Ctx) error {
	var in rules.QuoteInput
	if err := decodeStrict(c.Body(), &in); err != nil {
		return err
	}
	res, err := h.svc.Quote(c.UserContext(), c.Params("territory"), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(res)
}

func (h rulesHandler) checkListing(c *fiber.Ctx) error {
	var l abi.Listing
	if err := decodeStrict(c.Body(), &l); err != nil {
		return err
	}
	v, err := h.svc.ValidateListing(c.UserContext(), c.Params("territory"), l)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// decodeStrict decodes one JSON object into v, refusing unknown fields,
// trailing data and type mismatches with a message that names the problem.
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.New(apperr.KindInvalid, "body_empty",
			"Corps de requête vide : envoyez un objet JSON.", "Empty request body: send a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.New(apperr.KindInvalid, "body_trailing_data",
			"Données en trop après l'objet JSON.", "Unexpected data after the JSON object.")
	}
	return nil
}

func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Wrap(err, apperr.KindInvalid, "body_not_json",
			"JSON incomplet : l'objet s'arrête avant sa fin.", "Incomplete JSON: the object ends early.")
	case errors.As(err, &syntax):
		return apperr.Wrap(err, apperr.KindInvalid, "body_not_json",
			fmt.Sprintf("JSON illisible à l'octet %d : vérifiez la syntaxe.", syntax.Offset),
			fmt.Sprintf("Unreadable JSON at byte %d: check the syntax.", syntax.Offset))
	case errors.As(err, &typ):
		return apperr.Wrap(err, apperr.KindInvalid, "body_wrong_type",
			fmt.Sprintf("Le champ %q attend %s.", typ.Field, frenchType(typ.Type.Kind().String())),
			fmt.Sprintf("Field %q expects a %s.", typ.Field, typ.Type))
	case bytes.HasPrefix([]byte(err.Error()), []byte("json: unknown field ")):
		field := err.Error()[len("json: unknown field "):]
		return apperr.Wrap(err, apperr.KindInvalid, "body_unknown_field",
			fmt.Sprintf("Champ inconnu %s : retirez-le.", field),
			fmt.Sprintf("Unknown field %s: remove it.", field))
	default:
		return apperr.Wrap(err, apperr.KindInvalid, "body_invalid",
			"Corps de requête JSON invalide.", "Invalid JSON request body.")
	}
}

// frenchType names a JSON value's expected kind for people.
func frenchType(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "un nombre entier"
	case "float32", "float64":
		return "un nombre"
	case "bool":
		return "true ou false"
	case "string":
		return "un texte entre guillemets"
	case "slice", "array":
		return "une liste [ … ]"
	default:
		return "un objet { … }"
	}
}
