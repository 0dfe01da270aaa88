package searchtest

import (
	"fmt"
	"sync"
	"time"

	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/search"
)

// OtherTerritory holds copies of pilot listings, at the same places with
// the same words: none of them may ever appear in a pilot's results.
const OtherTerritory = "autre-territoire"

// INSEE codes of the fixture's communes.
const (
	Songeons      = "60623"
	Formerie      = "60245"
	Grandvilliers = "60286"
	Gerberoy      = "60271"
	Marseille     = "60387" // Marseille-en-Beauvaisis
	Hanvoile      = "60298"
	LaFerte       = "45146" // La Ferté-Saint-Aubin
	Marcilly      = "45193" // Marcilly-en-Villette
	Menestreau    = "45200" // Ménestreau-en-Villette
	Sennely       = "45309"
)

// listing is a fixture row before the referential gives its place.
type listing struct {
	id, territory, kind, category, modality string
	modes                                   []string
	commune                                 string
	title, description                      string
	daysAgo                                 int
	rating                                  float64
}

const (
	travaux  = "petits-travaux"
	mobilite = "mobilite"
	enfance  = "enfance"
	aines    = "aines"
)

// fixtureRows are realistic listings of the two pilots, written so that
// each behaviour has a listing that only it can find: "pv-entretien" says
// "entretien" and never "ménage", "pv-soutien" says "soutien scolaire" and
// never "devoirs", and so on.
var fixtureRows = []listing{
	{"pv-elec", PicardieVerte, "offer", travaux, "resident", []string{"time_credits", "cesu_declaratif"}, Songeons,
		"Électricien à la retraite : petits dépannages",
		"Ancien électricien, je change vos prises, interrupteurs et luminaires. Je me déplace autour de Songeons.", 3, 4.8},
	{"pv-lustre", PicardieVerte, "offer", travaux, "resident", []string{"free"}, Marseille,
		"Pose de lustres et d'appliques",
		"Pas besoin d'appeler un électricien pour accrocher un lustre : je viens avec mon escabeau.", 12, 4.1},
	{"pv-plomb", PicardieVerte, "offer", travaux, "professional", []string{"professional", "cesu_prefinance"}, Formerie,
		"Plombier chauffagiste",
		"Réparation de fuites, remplacement de chauffe-eau et de robinets. Devis gratuit sous 48 heures.", 20, 4.2},
	{"pv-brico", PicardieVerte, "need", travaux, "resident", []string{"free"}, Grandvilliers,
		"Cherche aide pour du bricolage",
		"Besoin d'un coup de main pour monter des étagères et poser une tringle à rideaux.", 1, 0},
	{"pv-menage", PicardieVerte, "offer", travaux, "resident", []string{"cesu_declaratif"}, Songeons,
		"Ménage et repassage",
		"Je fais le ménage et le repassage chez vous, deux heures par semaine.", 30, 4.5},
	{"pv-entretien", PicardieVerte, "offer", travaux, "resident", []string{"time_credits"}, Gerberoy,
		"Entretien de votre intérieur",
		"Vitres, sols et poussière : je m'occupe de l'entretien de la maison pendant que vous travaillez.", 45, 3.9},
	{"pv-jardin", PicardieVerte, "offer", travaux, "resident", []string{"free", "time_credits"}, Songeons,
		"Tonte de pelouse et taille de haies",
		"Je peux tondre votre pelouse et tailler vos haies : votre jardin reste beau tout l'été.", 8, 4.5},
	{"pv-potager", PicardieVerte, "offer", travaux, "resident", []string{"cesu_declaratif", "time_credits"}, Hanvoile,
		"Jardinage au potager",
		"Plantation des tomates, désherbage et arrosage des légumes pendant vos vacances.", 15, 4.0},
	{"pv-covoit", PicardieVerte, "offer", mobilite, "resident", []string{"free"}, Formerie,
		"Covoiturage vers Beauvais",
		"Je pars pour Beauvais chaque matin à 7 h, il me reste deux places dans ma voiture.", 5, 4.7},
	{"pv-transport", PicardieVerte, "need", mobilite, "resident", []string{"time_credits"}, Songeons,
		"Transport pour un rendez-vous à l'hôpital",
		"Ma mère doit aller à l'hôpital de Beauvais mardi matin : qui pourrait l'emmener ?", 2, 0},
	{"pv-devoirs", PicardieVerte, "offer", enfance, "resident", []string{"time_credits", "cesu_declaratif"}, Grandvilliers,
		"Aide aux devoirs",
		"Ancienne institutrice, j'aide les enfants du CP au CM2 pour leurs devoirs et leurs leçons.", 25, 5.0},
	{"pv-soutien", PicardieVerte, "offer", enfance, "professional", []string{"professional"}, Formerie,
		"Soutien scolaire en mathématiques",
		"Cours particuliers de maths pour collégiens et lycéens, préparation du brevet.", 60, 3.5},
	{"pv-courses", PicardieVerte, "offer", aines, "resident", []string{"free"}, Hanvoile,
		"Courses pour nos aînés",
		"Je fais les courses au supermarché de Grandvilliers pour les personnes âgées du village.", 9, 4.4},
	{"pv-html", PicardieVerte, "offer", aines, "resident", []string{"time_credits"}, Songeons,
		"Aide informatique <b>tablette & ordinateur</b>",
		`Initiation à la tablette : courriels, photos "& plus" <script>alert(1)</script>.`, 40, 4.4},

	{"ps-jardinage", PortesDeSologne, "offer", travaux, "resident", []string{"time_credits", "cesu_declaratif"}, Marcilly,
		"Jardinage et potager",
		"Plantation, désherbage et arrosage de votre potager, taille des rosiers.", 4, 4.6},
	{"ps-jardin-menestreau", PortesDeSologne, "offer", travaux, "resident", []string{"free"}, Menestreau,
		"Tonte et entretien de jardins",
		"Je tonds, je ramasse les feuilles et j'entretiens votre jardin.", 11, 4.3},
	{"ps-paysagiste", PortesDeSologne, "offer", travaux, "professional", []string{"professional"}, LaFerte,
		"Jardinier paysagiste",
		"Création et entretien de jardins, élagage, devis gratuit.", 6, 4.9},
	{"ps-jardin-sennely", PortesDeSologne, "offer", travaux, "resident", []string{"time_credits"}, Sennely,
		"Jardinage entre voisins",
		"Coup de main au jardin le samedi matin.", 14, 3.8},
	{"ps-jardin-besoin", PortesDeSologne, "need", travaux, "resident", []string{"time_credits"}, Marcilly,
		"Cherche aide au jardin",
		"Mon jardin est trop grand pour moi depuis mon opération.", 7, 0},
	{"ps-elec", PortesDeSologne, "offer", travaux, "resident", []string{"free"}, Sennely,
		"Électricité : petits dépannages",
		"Électricien amateur, je répare prises et interrupteurs.", 16, 4.0},
	{"ps-covoit", PortesDeSologne, "offer", mobilite, "resident", []string{"free", "time_credits"}, LaFerte,
		"Covoiturage vers Orléans",
		"Trajet quotidien vers Orléans, départ 7 h 30 de La Ferté-Saint-Aubin.", 10, 4.2},

	// Copies in another territory, at the same places: never found from a
	// pilot.
	{"ot-elec", OtherTerritory, "offer", travaux, "resident", []string{"time_credits", "cesu_declaratif"}, Songeons,
		"Électricien à la retraite : petits dépannages",
		"Ancien électricien, je change vos prises, interrupteurs et luminaires. Je me déplace autour de Songeons.", 0, 5.0},
	{"ot-jardinage", OtherTerritory, "offer", travaux, "resident", []string{"time_credits", "cesu_declaratif"}, Marcilly,
		"Jardinage et potager",
		"Plantation, désherbage et arrosage de votre potager, taille des rosiers.", 0, 5.0},
	{"ot-devoirs", OtherTerritory, "offer", enfance, "resident", []string{"time_credits"}, Grandvilliers,
		"Aide aux devoirs et soutien scolaire",
		"Ménage, entretien, jardin, jardinage, covoiturage, transport : tout y est.", 0, 5.0},
}

// fixtureNow dates the fixture: listing i was published daysAgo days (and
// i minutes, so that no two share a time) before it.
var fixtureNow = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

var (
	fixtureOnce sync.Once
	fixtureDocs []search.Document
	fixtureRef  *referential.Referential
	fixtureErr  error
)

// Fixture returns the suite's listings with their communes' names and
// centres from the national referential.
func Fixture() ([]search.Document, error) {
	fixtureOnce.Do(func() {
		fixtureRef, fixtureErr = referential.Load()
		if fixtureErr != nil {
			return
		}
		for i, l := range fixtureRows {
			c, ok := fixtureRef.Commune(l.commune)
			if !ok || !c.HasCentre {
				fixtureErr = fmt.Errorf("fixture %s: commune %s has no centre in the referential", l.id, l.commune)
				return
			}
			published := fixtureNow.Add(-time.Duration(l.daysAgo)*24*time.Hour - time.Duration(i)*time.Minute)
			fixtureDocs = append(fixtureDocs, search.Document{
				ID: l.id, Territory: l.territory, Kind: l.kind, Category: l.category, Modality: l.modality,
				Modes: l.modes, Commune: c.INSEE, CommuneName: c.Name, Title: l.title, Description: l.description,
				Lat: c.Lat, Lng: c.Lon, PublishedAt: published, Rating: l.rating,
				Version: published.Format(time.RFC3339Nano),
			})
		}
	})
	return fixtureDocs, fixtureErr
}

// centre returns the centre of the commune insee.
func centre(insee string) *search.Point {
	c, ok := fixtureRef.Commune(insee)
	if !ok {
		panic("searchtest: unknown commune " + insee)
	}
	return &search.Point{Lat: c.Lat, Lng: c.Lon}
}
