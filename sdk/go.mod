module github.com/campagnon/campagnon/sdk

go 1.26
