package web

// importCatalogue holds the texts of the import pages (web_import.go),
// French then English; init merges it into catalogue. Texts with %s or %d
// are formats the handlers fill in.
var importCatalogue = map[string][2]string{
	"import.title":              {"Importer les réponses des formulaires", "Import the forms' answers"},
	"import.lead":               {"Les réponses des formulaires de la communauté de communes — besoins et offres des habitants, recensement des entreprises — exportées en CSV ou en XLSX. Le fichier est d'abord vérifié en entier : chaque problème est signalé avec sa ligne, sa colonne et une suggestion. Rien n'est importé tant qu'il en reste ; importer de nouveau le même fichier ne crée aucun doublon.", "The answers of the communauté de communes' forms — residents' needs and offers, the census of businesses — exported as CSV or XLSX. The whole file is checked first: each problem is reported with its line, its column and a suggestion. Nothing is imported while one remains; importing the same file again creates no duplicate."},
	"import.what":               {"Ce que deviennent les réponses", "What the answers become"},
	"import.what.listings":      {"Chaque besoin ou offre devient une annonce close du compte « Formulaires » du territoire, datée du jour de la réponse : elle compte dans l'observatoire des besoins, mais n'est pas publiée (les personnes qui ont répondu n'y ont pas consenti). Leur nom, courriel et téléphone ne sont gardés que si le formulaire a une colonne d'accord et qu'elles ont dit oui, et sont effacés trois ans après l'import.", "Each need or offer becomes a closed listing of the territory's “Forms” account, dated the day of the answer: it counts in the needs observatory, but is not published (the people who answered did not agree to it). Their name, email and phone are kept only when the form has a consent column and they said yes, and are erased three years after the import."},
	"import.what.businesses":    {"Chaque entreprise du recensement est gardée pour les administrateurs du territoire (SIRET vérifié), avec son contact, effacé trois ans après l'import ; elle n'a pas de compte tant qu'elle ne s'inscrit pas.", "Each business of the census is kept for the territory's admins (SIRET checked), with its contact, erased three years after the import; it has no account until it signs up."},
	"import.form":               {"Vérifier un fichier", "Check a file"},
	"import.kind":               {"Ce que contient le fichier", "What the file holds"},
	"import.kind.listings":      {"Besoins et offres des habitants", "Residents' needs and offers"},
	"import.kind.businesses":    {"Recensement des entreprises", "Census of businesses"},
	"import.file":               {"Fichier exporté du formulaire (CSV, XLSX ou texte Unicode)", "File exported from the form (CSV, XLSX or Unicode text)"},
	"import.file.hint":          {"Séparateur point-virgule, virgule ou tabulation ; encodage UTF-8 ou Windows-1252 ; dates jj/mm/aaaa ; montants avec une virgule. Le serveur limite la taille des envois (1 Mo par défaut, quelques milliers de réponses) : pour un fichier plus gros, jusqu'à %d Mo et 200 000 lignes, la commande « campagnon import ».", "Semicolon, comma or tab separator; UTF-8 or Windows-1252 encoding; dates dd/mm/yyyy; amounts with a decimal comma. The server limits the size of uploads (1 MB by default, a few thousand answers): for a larger file, up to %d MB and 200,000 lines, the `campagnon import` command."},
	"import.mapping":            {"Fichier de correspondance des colonnes (facultatif, JSON)", "Column mapping file (optional, JSON)"},
	"import.mapping.hint":       {"Sans lui, les en-têtes courants sont reconnus (Date, Commune, Catégorie, Quoi, Type, Mode de paiement… ; Raison sociale, SIRET… pour le recensement). Avec lui, vous nommez vos colonnes et traduisez les réponses de votre formulaire, par exemple : {\"kind\": \"listings\", \"columns\": {\"commune\": [\"Votre commune\"]}, \"values\": {\"category\": {\"Coup de main au jardin\": \"petits-travaux\"}}}.", "Without it, common headers are recognised (Date, Commune, Catégorie, Quoi, Type, Mode de paiement…; Raison sociale, SIRET… for the census). With it, you name your columns and translate your form's answers, for example: {\"kind\": \"listings\", \"columns\": {\"commune\": [\"Votre commune\"]}, \"values\": {\"category\": {\"Coup de main au jardin\": \"petits-travaux\"}}}."},
	"import.check":              {"Vérifier le fichier", "Check the file"},
	"import.nofile":             {"Choisissez le fichier exporté du formulaire.", "Choose the file exported from the form."},
	"import.report":             {"Rapport de vérification", "Check report"},
	"import.read":               {"Fichier « %s » : %s, %d ligne(s) de réponses (en-tête ligne %d).", "File “%s”: %s, %d answer line(s) (header on line %d)."},
	"import.columns":            {"Colonnes reconnues", "Columns recognised"},
	"import.col.column":         {"Colonne", "Column"},
	"import.col.header":         {"En-tête du fichier", "File's header"},
	"import.col.field":          {"Lue comme", "Read as"},
	"import.problems":           {"%d problème(s) à corriger : rien ne sera importé tant qu'il en reste", "%d problem(s) to fix: nothing is imported while one remains"},
	"import.problems.caption":   {"Les problèmes, par ligne du fichier", "The problems, by line of the file"},
	"import.problems.more":      {"Seuls les %d premiers sont listés : corrigez-les, puis vérifiez de nouveau.", "Only the first %d are listed: fix them, then check again."},
	"import.problems.fix":       {"Corrigez ces lignes dans le fichier (ou dans le formulaire), exportez-le de nouveau, puis déposez-le ici.", "Fix these lines in the file (or in the form), export it again, then upload it here."},
	"import.col.line":           {"Ligne", "Line"},
	"import.col.value":          {"Valeur lue", "Value read"},
	"import.col.problem":        {"Problème", "Problem"},
	"import.col.suggestion":     {"Suggestion", "Suggestion"},
	"import.notices":            {"Remarques (aucune correction nécessaire)", "Remarks (no correction needed)"},
	"import.ready":              {"Le fichier est prêt : %d ligne(s) à importer, %d déjà importée(s), %d doublon(s) dans le fichier.", "The file is ready: %d line(s) to import, %d imported already, %d duplicate(s) in the file."},
	"import.nothing":            {"Rien à importer : toutes les lignes de ce fichier l'ont déjà été.", "Nothing to import: every line of this file was imported already."},
	"import.apply":              {"Importer ces %d ligne(s)", "Import these %d line(s)"},
	"import.apply.hint":         {"L'import se fait en une fois : toutes les lignes ou aucune. Le fichier attend 24 heures au plus.", "The import is done at once: every line or none. The file waits 24 hours at most."},
	"import.progress":           {"Vérification", "Check"},
	"import.done":               {"Import terminé : %s ligne(s) créée(s). Les besoins importés apparaissent dans l'observatoire, à la date de leur réponse.", "Import done: %s line(s) created. The needs imported appear in the observatory, at the date of their answer."},
	"import.history":            {"Imports précédents", "Previous imports"},
	"import.history.caption":    {"Les derniers imports de ce territoire, du plus récent au plus ancien", "This territory's latest imports, newest first"},
	"import.col.when":           {"Date", "Date"},
	"import.col.file":           {"Fichier", "File"},
	"import.col.kind":           {"Contenu", "Contents"},
	"import.col.lines":          {"Lignes", "Lines"},
	"import.col.created":        {"Créées", "Created"},
	"import.col.skipped":        {"Déjà importées", "Imported already"},
	"import.history.none":       {"Aucun import pour l'instant.", "No import yet."},
	"import.census.csv":         {"Télécharger le recensement des entreprises (CSV)", "Download the census of businesses (CSV)"},
	"import.observatory":        {"Voir l'observatoire des besoins", "See the needs observatory"},
	"import.where.file":         {"Fichier", "File"},
	"import.where.line":         {"Ligne %d", "Line %d"},
	"import.where.column":       {"Colonne", "Column"},
	"import.where.column.lower": {"colonne", "column"},
}

func init() {
	for k, v := range importCatalogue {
		catalogue[k] = v
	}
}
