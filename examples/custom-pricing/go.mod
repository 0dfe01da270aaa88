module example.com/campagnon-plugins/custom-pricing

go 1.26

require github.com/campagnon/campagnon/sdk v0.0.0

replace github.com/campagnon/campagnon/sdk => ../../sdk
