using System.Text;

namespace MitmFixture.Cli.ConsoleUi;

/// <summary>
/// mitmproxy's grid editor for lists of fields (headers, query, form, replacement patterns): move
/// with the arrows or h j k l, Enter edits the cell (Enter or Esc ends the edit and keeps it,
/// Ctrl+G drops it), <c>a</c> adds a row, <c>A</c> inserts one above, <c>d</c> deletes one,
/// <c>e</c> edits the cell in <c>$EDITOR</c>; Esc or <c>q</c> saves and leaves. <see cref="Commit"/>
/// checks the rows: an error keeps the editor open with the message shown.
/// </summary>
internal sealed class GridEditorScreen : Screen
{
    private static readonly KeyHelp[] Keys =
    [
        new("↑ ↓ ← → h j k l", "move between cells; Tab goes to the next column"),
        new("Enter", "edit the cell; Enter or Esc ends the edit and keeps it, Tab keeps it and moves right, Ctrl+G drops it"),
        new("a", "add a row below the cursor"),
        new("A", "insert a row above the cursor"),
        new("d", "delete the row"),
        new("e", "edit the cell in $EDITOR"),
        new("Esc q", "save and leave"),
        new("?", "this help"),
    ];

    private readonly List<string[]> _rows;

    public GridEditorScreen(
        ConsoleApp app,
        string title,
        IReadOnlyList<string> columns,
        IEnumerable<IReadOnlyList<string>> rows,
        Func<IReadOnlyList<IReadOnlyList<string>>, string?> commit)
        : base(app)
    {
        Title = title;
        Columns = columns;
        Commit = commit;
        _rows = rows.Select(r => Enumerable.Range(0, columns.Count).Select(i => i < r.Count ? r[i] : "").ToArray()).ToList();
    }

    public override string Title { get; }

    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<IReadOnlyList<string>> Rows => _rows;

    public int Row { get; private set; }

    public int Column { get; private set; }

    /// <summary>The cell being edited, or null in navigation mode.</summary>
    public LineEditor? CellEditor { get; private set; }

    public Func<IReadOnlyList<IReadOnlyList<string>>, string?> Commit { get; }

    public override IReadOnlyList<KeyHelp> Help => Keys;

    public override bool CapturesKeys => CellEditor is not null;

    public override void HandleKey(ConsoleKeyInfo key)
    {
        if (CellEditor is { } editor)
        {
            EditCell(editor, key);
            return;
        }

        switch (key.Key)
        {
            case ConsoleKey.UpArrow: MoveRow(-1); return;
            case ConsoleKey.DownArrow: MoveRow(1); return;
            case ConsoleKey.LeftArrow: MoveColumn(-1); return;
            case ConsoleKey.RightArrow or ConsoleKey.Tab: MoveColumn(1); return;
            case ConsoleKey.Enter: StartEdit(); return;
            case ConsoleKey.Escape: Finish(); return;
        }

        switch (ConsoleUi.Keys.Plain(key))
        {
            case 'k': MoveRow(-1); break;
            case 'j': MoveRow(1); break;
            case 'h': MoveColumn(-1); break;
            case 'l': MoveColumn(1); break;
            case 'g': Row = 0; break;
            case 'G': Row = Math.Max(0, _rows.Count - 1); break;
            case 'a': AddRow(_rows.Count == 0 ? 0 : Row + 1); break;
            case 'A': AddRow(Row); break;
            case 'd': DeleteRow(); break;
            case 'e': EditExternally(); break;
            case 'q': Finish(); break;
        }
    }

    private void EditCell(LineEditor editor, ConsoleKeyInfo key)
    {
        if (ConsoleUi.Keys.ControlLetter(key) is 'G' or 'C')
        {
            CellEditor = null; // dropped
            return;
        }

        if (key.Key == ConsoleKey.Tab)
        {
            _rows[Row][Column] = editor.Text; // Tab keeps the edit and moves on, as in a spreadsheet
            CellEditor = null;
            MoveColumn(1);
            return;
        }

        if (editor.HandleKey(key) != LineEditResult.Editing)
        {
            _rows[Row][Column] = editor.Text;
            CellEditor = null;
        }
    }

    private void StartEdit()
    {
        if (_rows.Count == 0)
        {
            AddRow(0);
        }

        CellEditor = new LineEditor(_rows[Row][Column]);
    }

    private void AddRow(int index)
    {
        _rows.Insert(index, Enumerable.Repeat("", Columns.Count).ToArray());
        Row = index;
        Column = 0;
    }

    private void DeleteRow()
    {
        if (_rows.Count == 0)
        {
            return;
        }

        _rows.RemoveAt(Row);
        Row = Math.Clamp(Row, 0, Math.Max(0, _rows.Count - 1));
    }

    private void EditExternally()
    {
        if (_rows.Count == 0)
        {
            AddRow(0);
        }

        if (App.RunEditor(Encoding.UTF8.GetBytes(_rows[Row][Column]), ".txt") is { } edited)
        {
            _rows[Row][Column] = Encoding.UTF8.GetString(edited).TrimEnd('\n', '\r'); // editors add a final newline
        }
    }

    private void Finish()
    {
        if (Commit(_rows) is { } error)
        {
            App.Fail(error);
            return;
        }

        App.Pop();
    }

    private void MoveRow(int delta) => Row = Math.Clamp(Row + delta, 0, Math.Max(0, _rows.Count - 1));

    private void MoveColumn(int delta) => Column = (Column + delta + Columns.Count) % Columns.Count;
}
