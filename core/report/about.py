"""The About page's text (plain Markdown written by us; no user text ever goes in)."""

ABOUT_MARKDOWN = """
**What it does.** Many people hear a click from the kneecap on every squat, without pain. A common piece of
advice is to find the tight muscle that pulls the kneecap off its track: count the clicks in a fixed movement,
stretch one muscle group for a minute or two, count again, and repeat for each group. If the clicking drops
after a stretch, that group probably contributes and deserves extra stretching and strengthening.

kneeclick runs that test as a small, honest experiment on one person:

- **A rest control.** Squatting again and again changes the clicking on its own (warm-up). A rest of the same
  length as a stretch shows how big that change is, so a stretch only counts if it beats resting.
- **Random order.** The first group stretched would otherwise get the credit for the warm-up. The order is
  shuffled every session, and the shuffle is saved so it can be checked.
- **Repeat sessions.** Click counts are noisy. Each session adds evidence; the Results page says how sure the
  ranking is and how many more sessions would help.
- **Every count saved at once**, so a closed tab or a flat battery loses nothing.

**Your two knees are separate experiments.** Results for the left and the right knee are never pooled.

**The evidence, honestly.**
- Knee noise without pain is common and usually harmless. Occasional pops are often gas bubbles in the joint
  fluid (cavitation).
- In the Osteoarthritis Initiative (Lo et al., *Arthritis Care & Research* 2018; 3,495 adults, mean age 61),
  people who heard knee noise more often were more likely to develop painful knee osteoarthritis within four
  years: odds ratios of about 1.5, 1.8, 2.2 and 3.0 for noise rarely, sometimes, often and always. That is an
  association in older adults, not proof that clicking causes arthritis or that stretching prevents it.
- The stretch-and-retest method itself has not been tested in clinical trials. The short-term effect of a
  stretch on range of motion mostly fades within 10 to 30 minutes, which is why kneeclick watches for
  carry-over between stretches in one session.

**How the ranking is worked out.** Every test (the baseline and each retest) is a count of clicks in a number of
reps. kneeclick fits one model to all the tests of a leg at once:

- each session has its **own click level**, so a noisy day does not count as an effect;
- the clicking may **drift** along the session (warm-up): the model estimates a steady change per test;
- a stretch can **carry over**: part of its effect may still be there in the next tests of the same session,
  so a later group does not get credit for an earlier one;
- counts are **noisier than pure chance** (miscounts, attention), and the intervals are widened to match.

Each group's result is how many clicks follow its stretch compared with how many follow the rest (for
example 0.45: 55% fewer than after resting), with a 95% interval: the range of effects that fit your data.
The chance that a group is the biggest contributor comes from the same model, adjusted so that on simulated people a stated 60% comes true about 60% of the time (the model alone was too cautious). The verdicts:

- **likely**: the chance that the stretch cuts the clicking by a real margin is high enough that, for people
  with no culprit at all, this is said by mistake at most about 5 times in 100, even if they look after every
  session; and the cut is at least a fifth;
- **unlikely**: the clicking went up after the stretch, or the data speak against a real cut (they rule out a
  cut of 30% or more beyond resting);
- **possible**: anything in between: keep testing;
- **insufficient data**: the group was tried in fewer than two sessions with clicks.

Without a rest control the stretches can only be compared with the drift the model infers from the test order,
which is weaker evidence. The left and right knee are analysed separately. On simulated people whose answer is
known, this approach names a culprit that is not there for about 5 people in 100 at most, even when they look after
every session, where the do-it-by-hand rule names one in nearly everyone (the figures are in kneeclick's
documentation, its README).

**Limits.** kneeclick can only say which stretches were followed by less clicking for you, on the days you
tested. It cannot tell you why your knee clicks or whether anything is damaged.
"""
