package demo

// firstNames mixes the generations of a rural communauté de communes.
var firstNames = []string{
	"Martine", "Jean-Pierre", "Sylvie", "Bernard", "Nathalie", "Patrick", "Chantal", "Didier", "Isabelle", "Gérard",
	"Léa", "Hugo", "Chloé", "Théo", "Manon", "Lucas", "Françoise", "Jérôme", "Émilie", "Noël", "Monique", "Daniel",
	"Christine", "Michel", "Catherine", "Philippe", "Sandrine", "Thierry", "Valérie", "Laurent", "Jacqueline", "André",
	"Nicole", "Alain", "Brigitte", "Christian", "Josiane", "Jean-Claude", "Céline", "Sébastien", "Aurélie", "Julien",
	"Camille", "Maxime", "Pauline", "Antoine", "Justine", "Romain", "Inès", "Nathan", "Louise", "Gabriel", "Jade",
	"Arthur", "Marcel", "Odette", "Raymond", "Paulette", "Yvette", "Robert", "Ginette", "Roger", "Denise", "Guy",
	"Annick", "Pascal", "Véronique", "Hervé", "Corinne", "Franck", "Karine", "Stéphane", "Élodie", "Mathieu",
}

// lastNames are common in Picardy, the Loiret and France.
var lastNames = []string{
	"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
	"Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard",
	"Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Blanchard", "Guérin", "Boucher", "Lemaire", "Dumont",
	"Leclercq", "Caron", "Delattre", "Lefèvre", "Carpentier", "Vasseur", "Lecomte", "Poulain", "Deneux", "Boulanger",
	"Duval", "Hénon", "Tellier", "Masson", "Charpentier", "Gaillard", "Chevalier", "Renard", "Picard", "Aubry",
	"Pichon", "Brunet", "Chauvin", "Besnard", "Marchand", "Barbier", "Perrin", "Benoît", "Collin", "Rivière",
}

// trade describes the professionals of a category: names of businesses
// ({nom}, {commune}) and their NAF codes.
type trade struct {
	names []string
	naf   []string
}

var trades = map[string]trade{
	"mobilite": {
		names: []string{"Taxi {commune}", "Taxis et transports du canton", "Transports {nom}", "Taxi conventionné {nom}"},
		naf:   []string{"49.32Z", "49.39B"},
	},
	"petits-travaux": {
		names: []string{"{nom} Jardins et Services", "Multiservices {nom}", "Net'{commune} Ménage", "L'Atelier de {nom}",
			"Espaces verts {nom}", "Coup de main {commune}"},
		naf: []string{"81.30Z", "81.21Z", "96.09Z", "43.39Z"},
	},
	"enfance": {
		names: []string{"Soutien scolaire {nom}", "Les P'tits Loups de {commune}", "Cours et devoirs {nom}", "Garde d'enfants {nom}"},
		naf:   []string{"85.59B", "88.91B"},
	},
	"aines": {
		names: []string{"Aide à domicile {commune}", "Numérique Seniors {nom}", "Courses et services {nom}", "Présence {commune}"},
		naf:   []string{"88.10A", "62.09Z", "88.10C"},
	},
	"": {
		names: []string{"Services {nom}", "{nom} et fils", "Entreprise {nom}"},
		naf:   []string{"96.09Z"},
	},
}
