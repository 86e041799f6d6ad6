using Bogus;
using Microsoft.ML.Data;
using Microsoft.ML.Gan.Common;

namespace Microsoft.ML.Gan.Encoding;

/// <summary>
/// A text column of personal data (<see cref="GanTrainer.Options.FakeData"/>), made apart from the network by Bogus
/// (or from the user's list): row p of a seed gets the value of a Bogus randomizer seeded from the seed, the column's
/// name and p, so the same row always gets the same value. The training values are read only to check the column's
/// type and count its rows: none is learned or kept, so none is copied, though a made-up name may of course be a
/// real person's too.
/// </summary>
internal sealed class FakeColumn : MadeColumn
{
    private readonly ulong _nameHash;

    public FakeColumn(ColumnState state)
        : base(state.Name)
    {
        Data = GanFakeData.Restore(state.FakeKind, state.FakeLocale, state.FakeValues, Name);
        RowCount = state.RowCount;
        if (RowCount < 0) throw new InvalidDataException($"Column '{Name}': the saved row count {RowCount} is negative.");
        ulong hash = 14695981039346656037UL; // FNV-1a of the name: each column its own values
        foreach (char ch in Name) hash = (hash ^ ch) * 1099511628211UL;
        _nameHash = hash;
    }

    public GanFakeData Data { get; }

    public long RowCount { get; }

    public override ColumnKind Kind => FakeKind.Instance;
    public override DataViewType Type => TextDataViewType.Instance;

    public override Array CreateBuffer(int capacity) => new string[capacity];

    public override void Stamp(Array buffer, int firstRow, int rows, long firstPosition, ulong seed)
    {
        var values = (string[])buffer;
        var faker = Data.Values is null ? new Faker(Data.Locale) : null;
        for (int i = 0; i < rows; i++)
        {
            int rowSeed = (int)NoiseSource.Mix(seed ^ _nameHash ^ NoiseSource.Mix((ulong)(firstPosition + i)));
            if (faker is null)
            {
                values[firstRow + i] = Data.Values![new Randomizer(rowSeed).Number(0, Data.Values.Count - 1)];
                continue;
            }
            faker.Random = new Randomizer(rowSeed);
            values[firstRow + i] = Data.Kind switch
            {
                "FullName" => faker.Name.FullName(),
                "FirstName" => faker.Name.FirstName(),
                "LastName" => faker.Name.LastName(),
                "Email" => faker.Internet.Email(),
                "Phone" => faker.Phone.PhoneNumber(),
                "StreetAddress" => faker.Address.StreetAddress(),
                "City" => faker.Address.City(),
                "Country" => faker.Address.Country(),
                "Company" => faker.Company.CompanyName(),
                _ => faker.Internet.UserName(),
            };
        }
    }

    public override string Describe() => Data.Values is null ? $"Bogus's {Data.Kind} in locale {Data.Locale}" : $"one of {Data.Values.Count} given values";

    public override Delegate CreateGetter(Array buffer, Func<int> row)
    {
        var values = (string[])buffer;
        return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = (values[row()] ?? "").AsMemory());
    }

    public override GanColumnInfo ToInfo() => new(Name, Type, IsCategorical: false, MissingRate: 0, double.NaN, double.NaN, Categories: [], CategoryFrequencies: []) { FakeData = Data };

    public override ColumnState ToState() => new()
    {
        Name = Name, Kind = Kind.Name, RowCount = RowCount, FakeKind = Data.Kind, FakeLocale = Data.Locale, FakeValues = Data.Values?.ToArray(),
    };
}

/// <summary>Fake-data columns: chosen by <see cref="GanTrainer.Options.FakeData"/>, never by type.</summary>
internal sealed class FakeKind : ColumnKind
{
    public static FakeKind Instance { get; } = new();

    public override string Name => "Fake";

    public override string Description => "fake personal data (text)";

    public override bool Handles(DataViewType type) => false;

    public override ColumnFitter CreateFitter(DataViewSchema.Column column, ColumnFitSettings settings) =>
        new FakeFitter(column, settings.FakeData[column.Name]);

    public override GanColumn Restore(ColumnState state) => new FakeColumn(state);
}

/// <summary>Reads a fake-data column: only its rows are counted; its values are not kept.</summary>
internal sealed class FakeFitter(DataViewSchema.Column column, GanFakeData data) : ColumnFitter(column)
{
    private long _rows;

    /// <summary>Nothing to read but the rows (TabularEncoder has checked that the column is text).</summary>
    public override void Bind(DataViewRowCursor cursor)
    {
    }

    public override void Read(long row) => _rows++;

    public override GanColumn Fit() => new FakeColumn(new ColumnState
    {
        Name = Name, Kind = FakeKind.Instance.Name, RowCount = _rows, FakeKind = data.Kind, FakeLocale = data.Locale, FakeValues = data.Values?.ToArray(),
    });

    public override void Encode(GanColumn fitted, float[] matrix, int stride, int offset, int firstRow, int rows)
    {
    }

    /// <summary>One code for every row: fake data takes part in no dependency.</summary>
    public override (int[] Codes, double[] Values) Coded(GanColumn fitted, int[]? rows = null) => (new int[rows?.Length ?? _rows], [double.NaN]);
}
