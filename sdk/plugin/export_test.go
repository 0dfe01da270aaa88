package plugin

// ResetRegistered undoes Register, for the test of a second Register.
func ResetRegistered() { registered = nil }
