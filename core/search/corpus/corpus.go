// Package corpus generates realistic listings for benchmarks, load tests
// and the demo: French titles and descriptions in the four launch
// categories, spread by population over the communes of real EPCI, and the
// queries residents type (QueryMix).
package corpus

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/search"
)

// Place is a commune of a territory, where generated listings live.
type Place struct {
	Territory string
	INSEE     string
	Name      string
	Lat, Lng  float64
	// Population weighs how many listings the commune gets.
	Population int
}

// Pilot territories' EPCI, by SIREN, and their slugs.
const (
	PicardieVerte   = "picardie-verte"
	PortesDeSologne = "portes-de-sologne"
	sirenPicardie   = "246000848"
	sirenSologne    = "200005932"
)

// Places returns the communes of n EPCI (at most): the two pilots first,
// then communautés de communes taken evenly through the referential, then
// the other EPCI (agglomérations, métropoles) when n asks for more, so
// that benchmarks spread listings over real places with real centres.
// Each EPCI is one territory, named "epci-SIREN" (the pilots by their
// slugs).
func Places(ref *referential.Referential, n int) []Place {
	picked := []string{sirenPicardie, sirenSologne}
	var ccs, others []*referential.EPCI
	for _, e := range ref.EPCIs() {
		switch {
		case e.SIREN == sirenPicardie || e.SIREN == sirenSologne:
		case e.Kind == "CC":
			ccs = append(ccs, e)
		default:
			others = append(others, e)
		}
	}
	for _, list := range [][]*referential.EPCI{ccs, others} {
		for i := 0; len(picked) < n && i < len(list); i++ {
			// A prime stride walks the whole list without bunching.
			picked = append(picked, list[(i*97)%len(list)].SIREN)
		}
	}
	var out []Place
	for _, siren := range picked[:min(n, len(picked))] {
		e, ok := ref.EPCI(siren)
		if !ok {
			continue
		}
		slug := "epci-" + siren
		switch siren {
		case sirenPicardie:
			slug = PicardieVerte
		case sirenSologne:
			slug = PortesDeSologne
		}
		for _, insee := range e.Members {
			c, ok := ref.Commune(insee)
			if !ok || !c.HasCentre {
				continue
			}
			out = append(out, Place{Territory: slug, INSEE: c.INSEE, Name: c.Name, Lat: c.Lat, Lng: c.Lon, Population: c.Population})
		}
	}
	return out
}

// Generate returns n listings of realistic French text (titles and
// descriptions as residents and professionals write them, with their
// accents, apostrophes and varied words) spread over places by
// population. The same seed gives the same listings.
func Generate(places []Place, n int, seed uint64) []search.Document {
	if len(places) == 0 || n <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	cumulative := make([]int, len(places))
	total := 0
	for i, p := range places {
		total += max(p.Population, 50)
		cumulative[i] = total
	}
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	docs := make([]search.Document, n)
	for i := range docs {
		pick, _ := slices.BinarySearch(cumulative, rng.IntN(total)+1)
		p := places[pick]
		cat := corpusCategories[rng.IntN(len(corpusCategories))]
		kind := "offer"
		if rng.IntN(3) == 0 {
			kind = "need"
		}
		modality := "resident"
		if kind == "offer" && rng.IntN(5) == 0 {
			modality = "professional"
		}
		published := base.Add(-time.Duration(rng.IntN(180*24*60)) * time.Minute)
		rating := 0.0
		if rng.IntN(10) >= 3 {
			rating = float64(30+rng.IntN(21)) / 10
		}
		g := generator{rng: rng, place: p, places: places}
		docs[i] = search.Document{
			ID:          fmt.Sprintf("%016x-%04x", rng.Uint64(), i%0x10000),
			Territory:   p.Territory,
			Kind:        kind,
			Category:    cat.id,
			Modality:    modality,
			Modes:       g.modes(cat, modality),
			Commune:     p.INSEE,
			CommuneName: p.Name,
			Title:       g.expand(g.pick(cat.titles[kind])),
			Description: g.description(cat, kind),
			Lat:         p.Lat,
			Lng:         p.Lng,
			PublishedAt: published,
			Rating:      rating,
			Version:     published.Format(time.RFC3339Nano),
		}
	}
	return docs
}

type generator struct {
	rng    *rand.Rand
	place  Place
	places []Place
}

func (g generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// expand replaces the {slots} of a template.
func (g generator) expand(s string) string {
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return s
		}
		slot := s[i+1 : i+j]
		var v string
		switch slot {
		case "commune":
			v = g.place.Name
		case "ailleurs":
			v = g.places[g.rng.IntN(len(g.places))].Name
		case "km":
			v = fmt.Sprint(5 + 5*g.rng.IntN(6))
		case "heure":
			v = fmt.Sprintf("%d h", 8+g.rng.IntN(11))
		case "ans":
			v = fmt.Sprint(3 + g.rng.IntN(30))
		default:
			list, ok := corpusSlots[slot]
			if !ok {
				return s
			}
			v = g.pick(list)
		}
		s = s[:i] + v + s[i+j+1:]
	}
}

func (g generator) description(cat corpusCategory, kind string) string {
	parts := []string{}
	if g.rng.IntN(2) == 0 {
		parts = append(parts, g.expand(g.pick(corpusGreetings)))
	}
	parts = append(parts, g.expand(g.pick(cat.details[kind])))
	for range 1 + g.rng.IntN(2) {
		parts = append(parts, g.expand(g.pick(cat.details[kind])))
	}
	parts = append(parts, g.expand(g.pick(corpusAvailability)))
	if kind == "offer" {
		parts = append(parts, g.expand(g.pick(corpusTravel)))
	}
	parts = append(parts, g.expand(g.pick(corpusClosings)))
	return strings.Join(slices.Compact(parts), " ")
}

func (g generator) modes(cat corpusCategory, modality string) []string {
	all := cat.resident
	if modality == "professional" {
		all = []string{"professional", "cesu_prefinance"}
	}
	var out []string
	for _, m := range all {
		if g.rng.IntN(2) == 0 {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		out = []string{all[0]}
	}
	return out
}

type corpusCategory struct {
	id       string
	resident []string
	titles   map[string][]string
	details  map[string][]string
}

var corpusSlots = map[string][]string{
	"jour":      {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"},
	"moment":    {"matin", "après-midi", "soir", "en fin de journée", "à l'heure du déjeuner"},
	"prenom":    {"Martine", "Jean-Pierre", "Sylvie", "Bernard", "Nathalie", "Patrick", "Chantal", "Didier", "Isabelle", "Gérard", "Léa", "Hugo", "Chloé", "Théo", "Manon", "Lucas", "Françoise", "Jérôme", "Émilie", "Noël"},
	"parent":    {"ma mère", "mon père", "ma grand-mère", "mon grand-père", "ma voisine", "mon oncle", "ma tante"},
	"enfant":    {"mon fils", "ma fille", "nos deux enfants", "mon petit-fils", "ma petite-fille"},
	"classe":    {"CP", "CE1", "CE2", "CM1", "CM2", "sixième", "cinquième", "quatrième", "troisième", "seconde"},
	"matiere":   {"mathématiques", "français", "anglais", "histoire-géographie", "physique-chimie", "SVT", "allemand", "espagnol"},
	"ville":     {"Beauvais", "Amiens", "Orléans", "Rouen", "Gournay-en-Bray", "Aumale", "Blois", "Vierzon", "Romorantin-Lanthenay", "Gisors"},
	"lieu":      {"l'hôpital", "la clinique", "le centre de radiologie", "le cabinet du kinésithérapeute", "la gare", "la pharmacie", "la mairie", "le marché", "le supermarché", "la médiathèque", "Pôle emploi"},
	"outil":     {"tondeuse", "taille-haie", "débroussailleuse", "perceuse", "scie sauteuse", "escabeau", "tronçonneuse", "nettoyeur haute pression", "motobineuse", "souffleur"},
	"piece":     {"cuisine", "salle de bain", "chambre", "salon", "grenier", "cave", "garage", "véranda", "buanderie"},
	"vehicule":  {"voiture", "Clio", "Berlingo", "Kangoo", "monospace", "Twingo"},
	"metier":    {"électricien", "plombier", "menuisier", "maçon", "jardinier", "peintre en bâtiment", "couvreur", "carreleur", "paysagiste", "infirmière", "institutrice", "comptable", "agriculteur", "boulanger"},
	"appareil":  {"ordinateur", "tablette", "smartphone", "imprimante", "box internet", "téléviseur"},
	"demarche":  {"déclaration d'impôts", "dossier de retraite", "carte grise", "demande d'APA", "dossier CAF", "rendez-vous sur Doctolib", "compte Ameli", "carte d'identité"},
	"arbre":     {"haies de thuyas", "fruitiers", "rosiers", "lauriers", "noisetiers", "pommiers", "charmilles"},
	"legume":    {"tomates", "pommes de terre", "courgettes", "haricots verts", "salades", "poireaux", "fraisiers"},
	"animal":    {"chat", "chien", "poules", "lapins", "chevaux", "moutons"},
	"frequence": {"une fois par semaine", "tous les quinze jours", "ponctuellement", "deux fois par mois", "pendant l'été", "chaque samedi"},
}

var corpusGreetings = []string{
	"Bonjour, je m'appelle {prenom} et j'habite à {commune}.",
	"Bonjour à tous !",
	"{prenom}, {ans} ans, habitant de {commune} depuis longtemps.",
	"Retraité(e) de {commune}, ancien(ne) {metier}.",
	"Jeune actif installé à {commune}.",
	"Bonjour, nous sommes un couple de retraités à {commune}.",
	"Mère de famille à {commune}, j'ai un peu de temps libre.",
}

var corpusAvailability = []string{
	"Disponible le {jour} {moment}.",
	"Libre en semaine après {heure}.",
	"Disponible surtout le week-end.",
	"Plutôt le {jour} ou le {jour}, à convenir ensemble.",
	"Horaires souples, {frequence}.",
	"Je suis disponible {frequence}, le {moment}.",
	"Pendant les vacances scolaires uniquement.",
}

var corpusTravel = []string{
	"Je me déplace jusqu'à {km} km autour de {commune}.",
	"Je peux venir sur {commune} et les villages voisins.",
	"Déplacements possibles jusqu'à {ailleurs}.",
	"Je me déplace avec ma {vehicule} dans un rayon de {km} km.",
}

var corpusClosings = []string{
	"N'hésitez pas à me contacter.",
	"Merci d'avance !",
	"Contactez-moi par la messagerie.",
	"Au plaisir de vous rendre service.",
	"Réponse rapide assurée.",
	"Paiement en crédits temps possible.",
	"CESU accepté.",
	"C'est avec plaisir que je rends service entre voisins.",
}

var corpusCategories = []corpusCategory{
	{
		id:       "mobilite",
		resident: []string{"free", "time_credits"},
		titles: map[string][]string{
			"offer": {
				"Covoiturage vers {ville} le {jour}",
				"Je vous conduis à vos rendez-vous médicaux",
				"Transport vers {lieu} de {ville}",
				"Accompagnement aux courses au marché de {commune}",
				"Trajets pour le marché et les courses",
				"Covoiturage quotidien {commune} – {ville}",
				"Conduite vers la gare et retour",
				"Accompagnement à {lieu} et attente sur place",
			},
			"need": {
				"Cherche covoiturage pour aller travailler à {ville}",
				"Besoin d'un transport pour {parent} vers {lieu}",
				"Recherche quelqu'un pour conduire {parent} à {ville}",
				"Besoin d'un chauffeur le {jour} pour un rendez-vous",
				"Cherche transport vers {lieu} de {ville}",
			},
		},
		details: map[string][]string{
			"offer": {
				"Je fais le trajet vers {ville} tous les {jour}s et il me reste des places dans ma {vehicule}.",
				"Je peux emmener une personne à {lieu}, l'attendre et la ramener chez elle.",
				"Conducteur prudent, permis depuis {ans} ans, véhicule entretenu.",
				"J'aide aussi à porter les sacs de courses jusqu'à la maison.",
				"Idéal pour les personnes âgées qui ne conduisent plus.",
				"Participation aux frais d'essence selon le barème kilométrique.",
			},
			"need": {
				"{parent} ne conduit plus et doit aller à {lieu} de {ville} le {jour}.",
				"Je n'ai pas de voiture et le car ne passe qu'une fois par jour à {commune}.",
				"Il faudrait un aller-retour avec un peu d'attente sur place.",
				"Je participe aux frais d'essence bien sûr.",
				"Rendez-vous à {heure}, retour vers midi.",
			},
		},
	},
	{
		id:       "petits-travaux",
		resident: []string{"free", "time_credits", "cesu_declaratif", "cesu_prefinance"},
		titles: map[string][]string{
			"offer": {
				"Tonte de pelouse et taille de haies",
				"Petit bricolage : montage de meubles et étagères",
				"Ménage et repassage à domicile",
				"Entretien du jardin et du potager",
				"Débroussaillage de terrain et évacuation des déchets verts",
				"Peinture de volets, portails et clôtures",
				"Petits travaux de plomberie : robinet, chasse d'eau",
				"Surveillance de votre maison pendant vos vacances",
				"Jardinage : plantation, désherbage, arrosage",
				"Ancien {metier}, petits dépannages à domicile",
				"Nettoyage de gouttières et de terrasses",
				"Taille de {arbre} et ramassage des feuilles",
				"Bricolage en tout genre à {commune}",
				"Garde de vos {animal} pendant votre absence",
			},
			"need": {
				"Cherche quelqu'un pour tondre ma pelouse",
				"Besoin d'aide pour ranger le {piece}",
				"Recherche personne pour le ménage {frequence}",
				"Cherche bricoleur pour poser des étagères",
				"Besoin d'un coup de main pour tailler les {arbre}",
				"Recherche aide pour repeindre la {piece}",
				"Cherche quelqu'un pour bêcher le potager",
				"Besoin d'un {metier} pour une petite réparation",
				"Qui pourrait nourrir mes {animal} en août ?",
			},
		},
		details: map[string][]string{
			"offer": {
				"J'ai mon propre matériel : {outil}, {outil} et {outil}.",
				"Je m'occupe de la tonte, de la taille des {arbre} et du désherbage des allées.",
				"Montage de meubles en kit, fixation de tringles, pose de luminaires.",
				"Ménage, vitres, repassage, je fais tout avec soin.",
				"Je peux aussi planter vos {legume} et entretenir le potager.",
				"Petites réparations : robinet qui fuit, joint de douche, prise électrique.",
				"J'évacue les déchets verts à la déchetterie.",
				"Travail soigné, {ans} ans d'expérience.",
				"Je passe arroser les plantes et relever le courrier pendant votre absence.",
				"Nettoyage de la {piece} et du {piece} avant un déménagement.",
			},
			"need": {
				"Le terrain fait environ mille mètres carrés, avec des {arbre} au fond.",
				"Je ne peux plus porter de charges lourdes depuis mon opération.",
				"Il faudrait passer {frequence} pour l'entretien.",
				"Je fournis le matériel : {outil} et {outil}.",
				"La {piece} est encombrée et j'aimerais la vider avant l'hiver.",
				"Travail d'environ deux heures.",
				"Je peux payer en CESU ou en crédits temps.",
			},
		},
	},
	{
		id:       "enfance",
		resident: []string{"free", "time_credits", "cesu_declaratif", "cesu_prefinance"},
		titles: map[string][]string{
			"offer": {
				"Aide aux devoirs du primaire au collège",
				"Soutien scolaire en {matiere}",
				"Garde d'enfants après l'école",
				"Baby-sitting le mercredi et le week-end",
				"Trajet partagé vers l'école de {commune}",
				"Ancienne institutrice, aide aux devoirs",
				"Cours de {matiere} pour lycéens",
				"Garde d'enfants pendant les vacances scolaires",
			},
			"need": {
				"Cherche aide aux devoirs pour {enfant} en {classe}",
				"Recherche baby-sitter le {jour} soir",
				"Besoin d'une garde d'enfants après l'école",
				"Cherche soutien scolaire en {matiere} pour {enfant}",
				"Recherche covoiturage pour l'école de {commune}",
			},
		},
		details: map[string][]string{
			"offer": {
				"J'accompagne les enfants du CP à la {classe} dans leurs devoirs et leurs leçons.",
				"Étudiante en licence, patiente et pédagogue.",
				"Je récupère les enfants à la sortie de l'école à {heure} et je les garde jusqu'au retour des parents.",
				"Goûter, devoirs puis jeux : les enfants adorent.",
				"Révisions du brevet et du bac en {matiere}.",
				"Garde des enfants de trois ans et plus uniquement.",
			},
			"need": {
				"{enfant} est en {classe} et a du mal en {matiere}.",
				"Il faudrait récupérer {enfant} à l'école à {heure}.",
				"Nous cherchons quelqu'un de confiance et de patient.",
				"Deux séances d'une heure par semaine seraient idéales.",
				"Nous habitons près de l'école de {commune}.",
			},
		},
	},
	{
		id:       "aines",
		resident: []string{"free", "time_credits", "cesu_declaratif", "cesu_prefinance"},
		titles: map[string][]string{
			"offer": {
				"Livraison de courses pour les personnes âgées",
				"Aide aux démarches administratives en ligne",
				"Initiation à l'{appareil}",
				"Visites de convivialité et lecture",
				"Aide pour la {demarche}",
				"Je fais vos courses au supermarché de {ville}",
				"Compagnie et promenades pour nos aînés",
				"Aide numérique à domicile : {appareil}, courriels, photos",
			},
			"need": {
				"Cherche quelqu'un pour faire les courses de {parent}",
				"Besoin d'aide pour la {demarche}",
				"Recherche personne pour tenir compagnie à {parent}",
				"Besoin d'aide pour installer une {appareil}",
				"Cherche aide pour les papiers de {parent}",
			},
		},
		details: map[string][]string{
			"offer": {
				"Je passe prendre la liste de courses et je livre le jour même.",
				"J'aide à remplir la {demarche} et à créer les comptes en ligne.",
				"Patient(e), j'explique pas à pas comment utiliser l'{appareil}.",
				"Une visite pour discuter, jouer aux cartes ou lire le journal.",
				"Ancienne secrétaire de mairie, je connais bien les démarches.",
				"Je peux aussi accompagner à la pharmacie ou chez le médecin.",
			},
			"need": {
				"{parent} vit seul(e) à {commune} et sort peu depuis l'hiver.",
				"Il faudrait faire les courses {frequence} au supermarché de {ville}.",
				"Nous n'arrivons pas à remplir la {demarche} sur internet.",
				"Une visite le {jour} {moment} lui ferait très plaisir.",
				"L'{appareil} est neuf et personne ne sait le configurer.",
			},
		},
	},
}
