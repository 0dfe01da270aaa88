package web

// registerImport adds the import pages of territory admins (web_import.go).
func (p *pages) registerImport(add adder) {}
