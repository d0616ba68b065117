module tensorbox.io/sdk/go

go 1.19
