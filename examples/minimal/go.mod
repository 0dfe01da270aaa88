module example.com/campagnon-plugins/minimal

go 1.26

require github.com/campagnon/campagnon/sdk v0.0.0

replace github.com/campagnon/campagnon/sdk => ../../sdk
