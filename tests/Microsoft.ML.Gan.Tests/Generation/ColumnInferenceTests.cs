using System.Globalization;
using System.Text;
using Microsoft.ML.Data;

namespace Microsoft.ML.Gan.Tests.Generation;

/// <summary>
/// <see cref="GanCatalog.InferColumns"/> on a CSV file with dates, identifiers, e-mail addresses, names, free text,
/// missing markers and quoted commas: each column read as what it is, and the file then trains and generates.
/// </summary>
[TestClass]
public sealed class ColumnInferenceTests
{
    private static string Write(int rows, int seed)
    {
        var random = new Random(seed);
        string[] first = ["Anna", "Bjørn", "Clara", "David", "Emma", "Frank", "Greta", "Hugo"];
        string[] last = ["Olsen", "Berg", "Smith", "O'Neill", "Meyer", "Lund", "Garcia", "Kowalski"];
        string[] words = ["late", "delivery", "asked", "for", "refund", "happy", "called", "twice", "box", "damaged"];
        var text = new StringBuilder("CustomerId,Name,Email,Phone,Joined,Paid,Handling,Amount,Visits,Segment,Member,Notes,UserId\n");
        for (int i = 0; i < rows; i++)
        {
            var joined = new DateTime(2022, 1, 1).AddDays(random.Next(700));
            string notes = string.Join(' ', Enumerable.Range(0, 6).Select(_ => words[random.Next(words.Length)])) + $" #{i}";
            text.Append(CultureInfo.InvariantCulture, $"C-{i * 7 + 3:D6},{first[random.Next(8)]} {last[random.Next(8)]},user{i}@mail.example.org,+47 {random.Next(10_000_000, 99_999_999)},")
                .Append(CultureInfo.InvariantCulture, $"{joined:yyyy-MM-dd},{new DateTimeOffset(joined.AddHours(random.Next(24)), TimeSpan.FromHours(2)):yyyy-MM-ddTHH:mm:sszzz},")
                .Append(CultureInfo.InvariantCulture, $"{random.Next(0, 3)}:{random.Next(60):D2}:00,{Math.Round(100 * random.NextDouble(), 2)},")
                .Append(i % 9 == 4 ? "NA" : random.Next(1, 30).ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(random.Next(3) switch { 0 => "\"retail, small\"", 1 => "wholesale", _ => "?" }).Append(',')
                .Append(random.Next(2) == 0 ? "true" : "false").Append(',')
                .Append('"').Append(notes).Append("\",").Append(1000 + i).Append('\n');
        }
        string path = Path.Combine(Directory.CreateTempSubdirectory("gan-infer-").FullName, "customers.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [TestMethod]
    public void EachColumnIsReadAsWhatItIsAndTheFileTrains()
    {
        string path = Write(400, seed: 1);
        try
        {
            var ml = new MLContext(seed: 1);
            var inferred = ml.Gan().InferColumns(path);
            Console.WriteLine(inferred);
            var byName = inferred.Columns.ToDictionary(c => c.Name);
            void Is(string name, GanColumnRole role, DataKind? kind)
            {
                Assert.AreEqual(role, byName[name].Role, byName[name].ToString());
                Assert.AreEqual(kind, byName[name].Kind, byName[name].ToString());
            }
            Is("CustomerId", GanColumnRole.Identifier, DataKind.String);
            Is("UserId", GanColumnRole.Identifier, DataKind.Int32);
            Is("Name", GanColumnRole.Fake, DataKind.String);
            Is("Email", GanColumnRole.Fake, DataKind.String);
            Is("Phone", GanColumnRole.Fake, DataKind.String);
            Is("Joined", GanColumnRole.Learned, DataKind.DateTime);
            Is("Paid", GanColumnRole.Learned, DataKind.DateTimeOffset);
            Is("Handling", GanColumnRole.Learned, DataKind.TimeSpan);
            Is("Amount", GanColumnRole.Learned, DataKind.Single);
            Is("Visits", GanColumnRole.Learned, DataKind.Single); // whole numbers with NA: NaN needs a float
            Is("Segment", GanColumnRole.Learned, DataKind.String);
            Is("Member", GanColumnRole.Learned, DataKind.Boolean);
            Is("Notes", GanColumnRole.LeftOut, null);
            // The phone numbers' country code (+47) tells the locale; the names and the .org addresses, which tell none, take it too.
            Assert.AreEqual("Phone (nb_NO)", byName["Phone"].FakeData!.ToString());
            Assert.AreEqual("FullName (nb_NO)", byName["Name"].FakeData!.ToString());
            StringAssert.Contains(byName["Name"].Reason, "locale nb_NO, as the file's other personal data tell");
            Assert.AreEqual("Email (nb_NO)", byName["Email"].FakeData!.ToString(), "an address of no country domain takes the file's locale");
            StringAssert.Contains(byName["Visits"].Reason, "44 missing");
            CollectionAssert.AreEquivalent(new[] { "?", "NA" }, inferred.MissingTokens.ToArray());

            var data = ml.Data.LoadFromTextFile(path, inferred.LoaderOptions);
            var options = inferred.ApplyTo(new GanTrainer.Options { Epochs = 2, BatchSize = 100, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 1 });
            CollectionAssert.AreEqual(new[] { "CustomerId", "UserId" }, options.Identifiers);
            CollectionAssert.DoesNotContain(options.Columns!, "Notes");
            using var model = ml.Gan().Train(options).Fit(data);
            var segments = TestTables.Column(model.Generate(300, seed: 2), "Segment").Cast<string>().Distinct().Order().ToArray();
            CollectionAssert.IsSubsetOf(segments, new[] { "?", "retail, small", "wholesale" }, "quoted commas and the missing marker come back as written");
            Assert.AreEqual(300, TestTables.Column(model.Generate(300, seed: 2), "CustomerId").Distinct().Count());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    /// <summary>
    /// A table of visits, 8 to a patient: the patient's key, sex, age and treatment repeat over its visits, a lab value
    /// and the day vary. Read as the keys of entities, the patient fixes what it holds in every generated row; read as a
    /// number, as before, the generated rows mix patients.
    /// </summary>
    [TestMethod]
    public void AnEntitysKeyFixesWhatTheEntityHoldsInEveryGeneratedRow()
    {
        var ml = new MLContext(seed: 1);
        string folder = Directory.CreateTempSubdirectory("gan-infer-").FullName;
        try
        {
            var random = new Random(21);
            var text = new StringBuilder("PatientId,Sex,Age,Treated,Day,Bili\n");
            var patients = new Dictionary<string, string>();
            for (int p = 0; p < 80; p++)
            {
                string sex = random.NextDouble() < 0.6 ? "F" : "M";
                int age = random.Next(30, 80), treated = random.Next(2);
                patients[(1001 + p).ToString(CultureInfo.InvariantCulture)] = $"{sex},{age},{treated}";
                for (int v = 0; v < 8; v++)
                    text.Append(CultureInfo.InvariantCulture, $"{1001 + p},{sex},{age},{treated},{v * 90 + random.Next(10)},{Math.Round(0.5 + age / 40.0 + random.NextDouble(), 1)}\n");
            }
            string path = Path.Combine(folder, "visits.csv");
            File.WriteAllText(path, text.ToString());
            var inferred = ml.Gan().InferColumns(path);
            Assert.AreEqual(DataKind.String, inferred.Columns.Single(c => c.Name == "PatientId").Kind, inferred.ToString());

            double Kept(GanColumnInference read)
            {
                var data = ml.Data.LoadFromTextFile(path, read.LoaderOptions);
                var options = read.ApplyTo(new GanTrainer.Options { Epochs = 2, BatchSize = 80, GeneratorLayers = [32], DiscriminatorLayers = [32], Seed = 3, TrainingThreads = 1 });
                using var model = ml.Gan().Train(options).Fit(data);
                var rows = model.Generate(400, seed: 4);
                var key = TestTables.Column(rows, "PatientId").Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)!).ToArray();
                var sex = TestTables.Column(rows, "Sex").Cast<string>().ToArray();
                var age = TestTables.Column(rows, "Age").Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)).ToArray();
                var treated = TestTables.Column(rows, "Treated").Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)).ToArray();
                return Enumerable.Range(0, key.Length).Count(r => patients.TryGetValue(key[r], out var held) && held == $"{sex[r]},{age[r]},{treated[r]}") / (double)key.Length;
            }
            Assert.AreEqual(1.0, Kept(inferred), "every generated visit holds its patient's sex, age and treatment");
            double asNumber = Kept(inferred.With("PatientId", GanColumnRole.Learned, DataKind.Int32));
            Assert.IsLessThan(0.9, asNumber, $"read as a number, the patients mix ({asNumber:P0} of the rows hold one)");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void AFileWithoutAHeaderOrWithATwiceNamedColumnIsRefused()
    {
        var ml = new MLContext(seed: 1);
        string folder = Directory.CreateTempSubdirectory("gan-infer-").FullName;
        try
        {
            string twice = Path.Combine(folder, "twice.csv");
            File.WriteAllText(twice, "a,b,a\n1,2,3\n");
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ml.Gan().InferColumns(twice)).Message, "names column 'a' twice");
            string empty = Path.Combine(folder, "empty.csv");
            File.WriteAllText(empty, "");
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ml.Gan().InferColumns(empty)).Message, "is empty: it needs a header row");
            Assert.ThrowsExactly<FileNotFoundException>(() => ml.Gan().InferColumns(Path.Combine(folder, "none.csv")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Capitalised words are no names of people unless given names open them: 200 schools named as California's are
    /// ("Sunol Glen Unified"), in a column named <c>school</c> and again in one named <c>SchoolName</c>, are free text,
    /// left out, not fake people; the teachers' names beside them (a column named for names) are names of people.
    /// </summary>
    [TestMethod]
    public void CapitalisedWordsThatNoGivenNameOpensAreNoNamesOfPeople()
    {
        var ml = new MLContext(seed: 1);
        string folder = Directory.CreateTempSubdirectory("gan-infer-").FullName;
        try
        {
            string[] places = ["Sunol", "Manzanita", "Alameda", "Oakdale", "Cedar", "Pine", "Riverside", "Hillcrest", "Lakeview", "Mesa", "Canyon", "Harbor", "Redwood", "Madrone", "Tamalpais"];
            string[] middles = ["Glen", "Grove", "Ridge", "Park", "Heights", "Springs", "Creek", "View"];
            string[] suffixes = ["Elementary", "Unified", "Union Elementary", "Joint Union High"];
            string[] first = ["Anna", "Clara", "David", "Emma", "Frank", "Greta", "Hugo", "Maria", "Lucas", "Sofia"];
            string[] last = ["Olsen", "Berg", "Smith", "Meyer", "Lund", "Garcia", "Kowalski", "Brown", "Novak", "Rossi"];
            var random = new Random(6);
            var text = new StringBuilder("school,SchoolName,TeacherName,Pupils\n");
            for (int i = 0; i < 200; i++)
            {
                string school = $"{places[i % 15]} {middles[i / 15 % 8]} {suffixes[i / 120 % 4]}";
                text.Append(CultureInfo.InvariantCulture, $"{school},{school},{first[random.Next(10)]} {last[random.Next(10)]},{random.Next(80, 900)}\n");
            }
            string path = Path.Combine(folder, "schools.csv");
            File.WriteAllText(path, text.ToString());
            var byName = ml.Gan().InferColumns(path).Columns.ToDictionary(c => c.Name);
            foreach (string column in (string[])["school", "SchoolName"])
            {
                Assert.AreEqual(GanColumnRole.LeftOut, byName[column].Role, byName[column].ToString());
                StringAssert.Contains(byName[column].Reason, "free text (200 distinct values in 200)");
            }
            Assert.AreEqual(GanColumnRole.Fake, byName["TeacherName"].Role, byName["TeacherName"].ToString());
            Assert.AreEqual("FullName (en)", byName["TeacherName"].FakeData!.ToString());
            Assert.IsFalse(ColumnInference.OpensWithAGivenName("Sunol Glen Unified"));
            Assert.IsTrue(ColumnInference.OpensWithAGivenName("Dr. Grace Hopper"), "after a title, the next word");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Courses of 40 teachers, numbered 1 to 40 in a column no name calls an id, 6 courses each: a teacher holds one
    /// score and one age in all its courses. Read as the keys of entities, whatever the name. A floor number fixes its
    /// price along its order (a quantity), a batch number fixes its weight in only most batches, and a lot number fixes
    /// a measure in 3 rows a lot (too few to learn each lot): all three stay numbers; so does a site of 10 rows, whose
    /// attribute a number's dependency keeps.
    /// </summary>
    [TestMethod]
    public void WholeNumbersThatFixAMeasuredAttributeInEachOfTheirValuesAreTheKeysOfEntities()
    {
        var ml = new MLContext(seed: 1);
        string folder = Directory.CreateTempSubdirectory("gan-infer-").FullName;
        try
        {
            var random = new Random(8);
            var score = Enumerable.Range(0, 40).Select(_ => Math.Round(random.NextDouble() * 4 - 2, 3)).ToArray();
            var age = Enumerable.Range(0, 40).Select(_ => random.Next(28, 70)).ToArray();
            var batchWeight = Enumerable.Range(0, 30).Select(_ => random.Next(200, 900)).ToArray();
            var lotMeasure = Enumerable.Range(0, 80).Select(_ => Math.Round(random.NextDouble() * 100, 2)).ToArray();
            var text = new StringBuilder("Teacher,Score,Age,Students,Rating,Floor,FloorPrice,Batch,BatchWeight,Lot,LotMeasure\n");
            for (int i = 0; i < 240; i++)
            {
                int teacher = i / 6, floor = random.Next(1, 21), batch = i % 30, lot = i % 80;
                // A batch of eight rows keeps its weight, but one batch in five weighs its last row again.
                int weight = batchWeight[batch] + (batch % 5 == 0 && i >= 210 ? 3 : 0);
                text.Append(CultureInfo.InvariantCulture,
                    $"{teacher + 1},{score[teacher]},{age[teacher]},{random.Next(8, 120)},{Math.Round(2 + 3 * random.NextDouble(), 1)},{floor},{1000 * floor + 250},{batch},{weight},{lot},{lotMeasure[lot]}\n");
            }
            string path = Path.Combine(folder, "courses.csv");
            File.WriteAllText(path, text.ToString());
            var byName = ml.Gan().InferColumns(path).Columns.ToDictionary(c => c.Name);
            Assert.AreEqual(DataKind.String, byName["Teacher"].Kind, byName["Teacher"].ToString());
            StringAssert.Contains(byName["Teacher"].Reason, "40 categories: whole numbers that rows repeat (6.0 rows a value), each holding one '");
            StringAssert.Contains(byName["Teacher"].Reason, "the keys of the entities the rows describe");
            Assert.AreEqual(DataKind.Int32, byName["Floor"].Kind, "a floor fixes its price along its order: a quantity");
            Assert.AreEqual(DataKind.Int32, byName["Batch"].Kind, "a fifth of the batches hold two weights: not one in 99 % of them");
            Assert.AreEqual(DataKind.Int32, byName["Lot"].Kind, "3 rows a lot: too few to learn each lot as a category");
            Assert.AreEqual(DataKind.Int32, byName["Students"].Kind);

            // 110 sites of 10 rows each, one income a site: a number's dependency keeps each site's income, so the sites
            // stay a number (as categories they would cost training time for nothing; MathAchieve's 160 schools).
            var income = Enumerable.Range(0, 110).Select(_ => random.Next(20_000, 90_000)).ToArray();
            string sites = Path.Combine(folder, "sites.csv");
            File.WriteAllText(sites, "Site,Income,Score\n" + string.Concat(Enumerable.Range(0, 1100).Select(i => $"{i % 110 + 1},{income[i % 110]},{random.Next(100)}\n")));
            var site = ml.Gan().InferColumns(sites).Columns[0];
            Assert.AreEqual(DataKind.Int32, site.Kind, site.ToString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void WholeNumbersThatAnotherColumnFollowsByValueButNotAlongTheirOrderAreCategories()
    {
        // A trial's 30 centres, numbered 1 to 30, each enrolling within a window of its own (in no order of the
        // numbers); the patients' age in years, which their weight follows along its order; a dose of 12 values that
        // nothing follows; and 100 plots of 6 rows each, whose area is their own: too few rows a value for categories.
        var ml = new MLContext(seed: 1);
        string folder = Directory.CreateTempSubdirectory("gan-infer-").FullName;
        try
        {
            var random = new Random(4);
            var start = Enumerable.Range(0, 30).Select(_ => random.Next(0, 300)).ToArray();
            var area = Enumerable.Range(0, 100).Select(_ => random.Next(100, 1000)).ToArray();
            var text = new StringBuilder("Centre,Entry,Age,Weight,Dose,Plot,Area\n");
            for (int i = 0; i < 600; i++)
            {
                int centre = i % 30, age = random.Next(20, 80);
                var entry = new DateTime(2020, 1, 1).AddDays(start[centre] + random.Next(0, 30));
                double weight = 50 + 0.01 * (age - 50) * (age - 50) + 5 * random.NextDouble();
                text.Append(CultureInfo.InvariantCulture, $"{centre + 1},{entry:yyyy-MM-dd},{age},{weight:F1},{random.Next(1, 13)},{i % 100 + 1},{area[i % 100] + random.Next(5)}\n");
            }
            string path = Path.Combine(folder, "trial.csv");
            File.WriteAllText(path, text.ToString());
            var byName = ml.Gan().InferColumns(path).Columns.ToDictionary(c => c.Name);
            Assert.AreEqual(DataKind.String, byName["Centre"].Kind, byName["Centre"].ToString());
            StringAssert.Contains(byName["Centre"].Reason, "30 categories: whole numbers that 'Entry' follows by value, not along their order");
            Assert.AreEqual(DataKind.Int32, byName["Age"].Kind, "the weight follows the age along its order (a curve explains it): a quantity");
            Assert.AreEqual(DataKind.Int32, byName["Dose"].Kind, "nothing follows the dose");
            Assert.AreEqual(DataKind.Int32, byName["Plot"].Kind, "the area follows the plot by value, but 6 rows a plot are too few for categories");
            Assert.AreEqual(DataKind.DateTime, byName["Entry"].Kind);

            // The measures behind it: the entry date by centre, as categories and along the centres' order; the weight by age.
            var centres = Enumerable.Range(0, 600).Select(i => (double)(i % 30 + 1)).ToArray();
            var random2 = new Random(5);
            var windows = Enumerable.Range(0, 600).Select(i => (double)(start[i % 30] + random2.Next(0, 30))).ToArray();
            var (categories, curve) = ColumnInference.Explained(centres, windows);
            Assert.IsGreaterThan(0.8, categories, "a window a centre: its values explain the dates");
            Assert.IsGreaterThanOrEqualTo(ColumnInference.CodeGap, categories - curve, $"a curve of the centres' order explains far less ({curve:F2}): the windows are in no order of theirs");
            var line = Enumerable.Range(0, 600).Select(i => (double)(i % 40)).ToArray();
            var (onCategories, onCurve) = ColumnInference.Explained(line, line.Select(v => 3 * v + 7).ToArray());
            Assert.AreEqual(1.0, onCurve, 1e-9, "a straight line of the values is a curve of their rank");
            Assert.AreEqual(1.0 - 39 / 599.0, onCategories, 1e-9, "and their categories explain it all, less chance");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void WholeNumbersThatAreCodesOrKeepLeadingZerosAreCategoriesAndQuantitiesStayNumbers()
    {
        var ml = new MLContext(seed: 1);
        string folder = Directory.CreateTempSubdirectory("gan-infer-").FullName;
        try
        {
            var random = new Random(3);
            var text = new StringBuilder("Zip,Department,Children,Floor,StatusCode,Price,Rating,classsiz,AgeGroup,pupilNR,CaseNo,PatientId,OrderId,education-num\n");
            string[] zips = ["02139", "10001", "94105", "00501"];
            for (int i = 0; i < 200; i++)
                text.Append(CultureInfo.InvariantCulture, $"{zips[random.Next(4)]},{new[] { 101, 205, 307 }[random.Next(3)]},{random.Next(5)},{10 * random.Next(1, 5)},")
                    .Append(CultureInfo.InvariantCulture, $"{random.Next(1, 4)},{random.Next(50, 5000)},{(i % 7 == 0 ? "?" : random.Next(1, 6).ToString(CultureInfo.InvariantCulture))},")
                    .Append(CultureInfo.InvariantCulture, $"{random.Next(15, 36)},{random.Next(1, 6)},{17001 + 10 * i},{i / 2},")
                    .Append(CultureInfo.InvariantCulture, $"{1000 + i / 8},{i / 3},{random.Next(1, 17)}\n");
            string path = Path.Combine(folder, "codes.csv");
            File.WriteAllText(path, text.ToString());
            var byName = ml.Gan().InferColumns(path).Columns.ToDictionary(c => c.Name);
            void Is(string name, DataKind kind, string reason)
            {
                Assert.AreEqual(GanColumnRole.Learned, byName[name].Role, byName[name].ToString());
                Assert.AreEqual(kind, byName[name].Kind, byName[name].ToString());
                StringAssert.Contains(byName[name].Reason, reason, name);
            }
            Is("Zip", DataKind.String, "leading zeros ('0"); // as a number, 02139 would come back as 2139
            Is("Department", DataKind.String, "few, far apart and unevenly spaced (101, 205, 307)");
            Is("StatusCode", DataKind.String, "the column's name calls codes ('Code')");
            // A size of a class (bdf's "classsiz") is a quantity: the quantity word comes after the code word. A group of
            // ages is a code: the code word comes last.
            Is("classsiz", DataKind.Int32, "whole numbers");
            Is("AgeGroup", DataKind.String, "the column's name calls codes ('Group')");
            // Unique whole numbers named as a number of something (a pupil's, in Dutch) are its identifiers; the same name
            // over numbers that repeat is no identifier.
            Assert.AreEqual(GanColumnRole.Identifier, byName["pupilNR"].Role, byName["pupilNR"].ToString());
            Is("CaseNo", DataKind.Int32, "whole numbers");
            // Repeated whole numbers in a column named as identifiers are the keys of the entities the rows describe (a
            // patient's visits), read as categories so that what the entity holds follows it, where each key holds
            // enough rows to learn; "num" names a level as often as a key (Adult's "education-num").
            Is("PatientId", DataKind.String, "25 categories: whole numbers in a column named as identifiers that rows repeat (8.0 rows a value)");
            Is("OrderId", DataKind.Int32, "whole numbers (identifiers that rows repeat, 3.0 rows a key: fewer than 4, too few to learn each key as a category, so read as a number)");
            Is("education-num", DataKind.Int32, "whole numbers");
            Is("Children", DataKind.Int32, "whole numbers"); // dense: a quantity
            Is("Floor", DataKind.Int32, "whole numbers"); // evenly spaced: its granularity keeps the grid
            Is("Price", DataKind.Int32, "whole numbers"); // many values
            Is("Rating", DataKind.Single, "missing");

            // More keys than a column may have categories: read as a number, and the reason says so.
            string many = Path.Combine(folder, "many.csv");
            File.WriteAllText(many, "VisitId,Score\n" + string.Concat(Enumerable.Range(0, 12_000).Select(i => $"{i / 10},{i % 7}\n")));
            var manyKeys = ml.Gan().InferColumns(many).Columns[0];
            Assert.AreEqual(DataKind.Int32, manyKeys.Kind, manyKeys.ToString());
            StringAssert.Contains(manyKeys.Reason, "1,200 keys: more than the 1,000 categories a column may have, so read as a number");

            // A handful of far-apart values in a handful of rows may be quantities: they stay numbers.
            string few = Path.Combine(folder, "few.csv");
            File.WriteAllText(few, "Price\n120\n250\n399\n120\n");
            Assert.AreEqual(DataKind.Int32, ml.Gan().InferColumns(few).Columns[0].Kind);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void AKindGivenByWithIsCheckedAgainstTheValuesItWouldLose()
    {
        var ml = new MLContext(seed: 1);
        string path = Write(60, seed: 2);
        try
        {
            var inferred = ml.Gan().InferColumns(path);
            // A word read as a number would be NaN without a word: refused, naming the value and its row.
            var word = Assert.ThrowsExactly<ArgumentException>(() => inferred.With("Segment", GanColumnRole.Learned, DataKind.Single));
            StringAssert.Contains(word.Message, "Column 'Segment' cannot be read as Single: a value ('");
            StringAssert.Contains(word.Message, "after the header) is not a number. It was inferred as String");
            // Whole numbers with a missing value: Int32 has no missing value; the message says to use Single.
            var missing = Assert.ThrowsExactly<ArgumentException>(() => inferred.With("Visits", GanColumnRole.Learned, DataKind.Int32));
            StringAssert.Contains(missing.Message, "('NA', row 5 after the header)");
            StringAssert.Contains(missing.Message, "read it as Single");
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => inferred.With("Amount", GanColumnRole.Learned, DataKind.Byte)).Message, "is not a whole number from 0 to 255");
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => inferred.With("Segment", GanColumnRole.Learned, DataKind.Boolean)).Message, "is not true or false");
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => inferred.With("Amount", GanColumnRole.Learned, DataKind.DateTime)).Message, "cannot be read as DateTime");
            // What the values hold is taken: numbers as Double, anything as text, whole numbers as an identifier.
            Assert.AreEqual(DataKind.Double, inferred.With("Amount", GanColumnRole.Learned, DataKind.Double).Columns.Single(c => c.Name == "Amount").Kind);
            Assert.AreEqual(DataKind.String, inferred.With("Visits", GanColumnRole.Learned, DataKind.String).Columns.Single(c => c.Name == "Visits").Kind);
            Assert.AreEqual(GanColumnRole.Identifier, inferred.With("UserId", GanColumnRole.Identifier, DataKind.Int64).Columns.Single(c => c.Name == "UserId").Role);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
