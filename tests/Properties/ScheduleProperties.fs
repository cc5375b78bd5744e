/// The cosine learning-rate schedule: bounds, monotonicity and symmetry for any run length.
module Vae.Tests.Properties.ScheduleProperties

open System
open FsCheck.Xunit
open FsCheck
open FsCheck.FSharp
open Vae.Core.Config
open Vae.Core.Training

let private cosine lr = TrainingConfig(LearningRate = lr, Schedule = LearningRateSchedule.Cosine)

[<Properties(MaxTest = 200)>]
module Cosine =
    [<Property>]
    let ``The step size never increases and stays between 0 and the learning rate`` (total: PositiveInt) (a: NonNegativeInt) (b: NonNegativeInt) =
        let t = int64 total.Get
        let s1, s2 = int64 (min a.Get b.Get) % (t + 1L), int64 (max a.Get b.Get) % (t + 1L)
        let s1, s2 = min s1 s2, max s1 s2
        let c = cosine 0.003
        let l1, l2 = Trainer.LearningRateAt(c, s1, t), Trainer.LearningRateAt(c, s2, t)
        l1 >= l2 && l2 >= 0.0 && l1 <= 0.003

    [<Property>]
    let ``Steps mirrored about mid-run sum to the learning rate`` (total: PositiveInt) (a: NonNegativeInt) =
        // ½(1 + cos θ) + ½(1 + cos(π − θ)) = 1 for θ = π s / T.
        let t = int64 total.Get
        let s = int64 a.Get % (t + 1L)
        let c = cosine 0.01
        abs (Trainer.LearningRateAt(c, s, t) + Trainer.LearningRateAt(c, t - s, t) - 0.01) < 1e-12

    [<Property>]
    let ``The constant schedule ignores the step`` (total: PositiveInt) (a: NonNegativeInt) =
        let c = TrainingConfig(LearningRate = 0.02)
        Trainer.LearningRateAt(c, int64 a.Get, int64 total.Get) = 0.02
