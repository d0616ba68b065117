module tensorbox.io/bench/sdk/go

go 1.19

require tensorbox.io/sdk/go v0.0.0

replace tensorbox.io/sdk/go => ../../../sdk/go
